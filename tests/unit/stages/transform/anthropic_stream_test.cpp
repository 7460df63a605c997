#include "infergate/stages/transform/anthropic_stream.hpp"

#include <gtest/gtest.h>

namespace infergate::transform::anthropic {
namespace {

constexpr std::string_view kStart =
    R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],)"
    R"("model":"claude-x","stop_reason":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":5,)"
    R"("cache_read_input_tokens":20,"output_tokens":1}}})";

StreamTranslator make(bool include_usage = false) {
    return StreamTranslator({.created = 7, .include_usage = include_usage, .backend = "anthropic"});
}

std::string chunk(std::string_view delta, std::string_view finish = "null") {
    return std::string(R"(data: {"id":"msg_1","object":"chat.completion.chunk","created":7,"model":"claude-x",)"
                       R"("choices":[{"index":0,"delta":)") +
           std::string(delta) + R"(,"logprobs":null,"finish_reason":)" + std::string(finish) + "}]}\n\n";
}

TEST(AnthropicStream, EachEventIsTranslatedAtOnce) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event("message_start", kStart, out);
    EXPECT_EQ(out, chunk(R"({"role":"assistant","content":""})"));
    EXPECT_TRUE(stream.started());
    out.clear();
    stream.on_event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})", out);
    EXPECT_EQ(out, "");
    stream.on_event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})", out);
    EXPECT_EQ(out, chunk(R"({"content":"Hi"})"));
    EXPECT_FALSE(stream.finished());
}

TEST(AnthropicStream, UsageIsKnownBeforeTheEndForQuota) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event("message_start", kStart, out);
    EXPECT_EQ(stream.usage().prompt_tokens, 35);
    EXPECT_EQ(stream.usage().cached_tokens, 20);
    EXPECT_EQ(stream.usage().completion_tokens, 1);
    stream.on_event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}})", out);
    EXPECT_EQ(stream.usage().completion_tokens, 42);
    EXPECT_EQ(stream.usage().prompt_tokens, 35);  // message_delta without input counts keeps them
    EXPECT_EQ(stream.tokens().cache_creation, 5);
}

TEST(AnthropicStream, MessageStopAloneStillFinishesTheStream) {
    StreamTranslator stream = make(/*include_usage=*/true);
    std::string out;
    stream.on_event("message_start", kStart, out);
    out.clear();
    stream.on_event("message_stop", R"({"type":"message_stop"})", out);
    EXPECT_EQ(out, chunk("{}", R"("stop")") +
                       R"(data: {"id":"msg_1","object":"chat.completion.chunk","created":7,"model":"claude-x","choices":[],)"
                       R"("usage":{"prompt_tokens":35,"completion_tokens":1,"total_tokens":36,)"
                       R"("prompt_tokens_details":{"cached_tokens":20,"cache_write_tokens":5}}})" "\n\n"
                       "data: [DONE]\n\n");
    EXPECT_TRUE(stream.finished());
    EXPECT_FALSE(stream.error());
    stream.on_event("message_stop", R"({"type":"message_stop"})", out);  // after the end: nothing
    EXPECT_NE(out.find("[DONE]"), std::string::npos);
    EXPECT_EQ(out.find("[DONE]"), out.rfind("[DONE]"));
}

TEST(AnthropicStream, RefusalIsAContentFilterFinish) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event("message_start", kStart, out);
    out.clear();
    stream.on_event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"refusal"},"usage":{"output_tokens":3}})", out);
    EXPECT_EQ(out, chunk("{}", R"("content_filter")"));
}

TEST(AnthropicStream, TheDataTypeNamesTheEventAndTheEventNameIsTheFallback) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event("", kStart, out);
    EXPECT_TRUE(stream.started());
    out.clear();
    stream.on_event("content_block_delta", R"({"index":0,"delta":{"type":"text_delta","text":"a"}})", out);
    EXPECT_EQ(out, chunk(R"({"content":"a"})"));
    out.clear();
    stream.on_sse_event("event: content_block_delta\r\ndata: {\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"b\"}}\r\n\r\n", out);
    EXPECT_EQ(out, chunk(R"({"content":"b"})"));
    out.clear();
    stream.on_sse_event(": a comment\n\n", out);
    EXPECT_EQ(out, "");
}

TEST(AnthropicStream, AnErrorBeforeAnyOutputCanStillBeAPlainResponse) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event("error", R"({"type":"error","error":{"type":"rate_limit_error","message":"slow"}})", out);
    EXPECT_FALSE(stream.started());
    EXPECT_TRUE(stream.finished());
    ASSERT_TRUE(stream.error());
    EXPECT_EQ(stream.error()->status, 429u);
    EXPECT_EQ(out, "data: " + api::render_error(*stream.error()) + "\n\n");
}

TEST(AnthropicStream, AMalformedStreamEndsWithAnInvalidResponseError) {
    const std::pair<const char*, const char*> broken[] = {
        {"content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"early"}})"},
        {"message_start", "not json"},
        {"message_start", R"({"type":"message_start","message":{"id":"msg_1"}})"},
    };
    for (const auto& [name, data] : broken) {
        StreamTranslator stream = make();
        std::string out;
        stream.on_event(name, data, out);
        ASSERT_TRUE(stream.error()) << data;
        EXPECT_EQ(stream.error()->code, "upstream_invalid_response");
        EXPECT_TRUE(stream.finished());
        EXPECT_EQ(out.find("[DONE]"), std::string::npos);
    }
    StreamTranslator stream = make();
    std::string out;
    stream.on_event("message_start", kStart, out);
    stream.on_event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})", out);
    stream.on_event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{"}})", out);
    ASSERT_TRUE(stream.error());
    EXPECT_EQ(stream.error()->code, "upstream_invalid_response");
    EXPECT_TRUE(stream.started());
}

TEST(AnthropicStream, UnknownEventsAndBlocksAreSkipped) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event("future_event", R"({"type":"future_event"})", out);  // even before message_start
    EXPECT_EQ(out, "");
    stream.on_event("message_start", kStart, out);
    out.clear();
    stream.on_event("future_event", R"({"type":"future_event","x":1})", out);
    stream.on_event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"s","name":"web_search","input":{}}})", out);
    stream.on_event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}})", out);
    stream.on_event("content_block_stop", R"({"type":"content_block_stop","index":0})", out);
    EXPECT_EQ(out, "");
    EXPECT_FALSE(stream.error());
}

// The relay reads every chunk it forwards: the role chunk must not count as content (a failover
// is still possible before the first content), and the usage chunk must read as OpenAI's.
TEST(AnthropicStream, ChunksReadAsTheRelayReadsOpenAIChunks) {
    StreamTranslator stream = make(/*include_usage=*/true);
    std::string out;
    stream.on_event("message_start", kStart, out);
    EXPECT_FALSE(sse::carries_content(*sse::first_data(out)));
    out.clear();
    stream.on_event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}})", out);
    EXPECT_TRUE(sse::carries_content(*sse::first_data(out)));
    out.clear();
    stream.on_event("content_block_start", R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}})", out);
    EXPECT_TRUE(sse::carries_content(*sse::first_data(out)));
    stream.on_event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}})", out);
    out.clear();
    stream.on_event("message_stop", R"({"type":"message_stop"})", out);
    const std::size_t end = sse::find_event_end(out);
    ASSERT_NE(end, sse::npos);
    const auto usage = sse::find_usage(*sse::first_data(std::string_view(out).substr(0, end)));
    ASSERT_TRUE(usage);
    EXPECT_EQ(usage->prompt_tokens, 35);
    EXPECT_EQ(usage->cached_tokens, 20);
    EXPECT_EQ(usage->completion_tokens, 9);
    EXPECT_TRUE(sse::is_done_event(std::string_view(out).substr(end)));
}

}  // namespace
}  // namespace infergate::transform::anthropic
