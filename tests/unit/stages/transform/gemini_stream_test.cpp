#include "infergate/stages/transform/gemini_stream.hpp"

#include <gtest/gtest.h>

#include "golden_replay.hpp"
#include "infergate/streaming/sse.hpp"

namespace infergate::transform::gemini {
namespace {

constexpr std::string_view kFirst =
    R"({"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}],)"
    R"("usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":1,"totalTokenCount":11},)"
    R"("modelVersion":"gemini-x","responseId":"r1"})";
constexpr std::string_view kLast =
    R"({"candidates":[{"content":{"parts":[{"text":"lo"}],"role":"model"},"finishReason":"STOP","index":0}],)"
    R"("usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":4,"thoughtsTokenCount":6,"totalTokenCount":20},)"
    R"("modelVersion":"gemini-x","responseId":"r1"})";

StreamTranslator make(bool include_usage = false) {
    return StreamTranslator({.created = 7, .include_usage = include_usage, .backend = "gemini"});
}

std::string chunk(std::string_view delta, std::string_view finish = "null") {
    return std::string(R"(data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":7,"model":"gemini-x",)"
                       R"("choices":[{"index":0,"delta":)") +
           std::string(delta) + R"(,"logprobs":null,"finish_reason":)" + std::string(finish) + "}]}\n\n";
}

TEST(GeminiStream, EachEventIsTranslatedAtOnce) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event(kFirst, out);
    EXPECT_EQ(out, chunk(R"({"role":"assistant","content":""})") + chunk(R"({"content":"Hel"})"));
    EXPECT_TRUE(stream.started());
    EXPECT_FALSE(stream.finished());
    out.clear();
    stream.on_event(kLast, out);
    EXPECT_EQ(out, chunk(R"({"content":"lo"})") + chunk("{}", R"("stop")"));
    EXPECT_FALSE(stream.finished());  // Gemini has no end event: the body's end says it
    out.clear();
    stream.finish(out);
    EXPECT_EQ(out, "data: [DONE]\n\n");
    EXPECT_TRUE(stream.finished());
    EXPECT_FALSE(stream.error());
}

TEST(GeminiStream, TheUsageChunkComesAtTheEndWhenAskedFor) {
    StreamTranslator stream = make(/*include_usage=*/true);
    std::string out;
    stream.on_event(kFirst, out);
    EXPECT_EQ(stream.usage().completion_tokens, 1);
    stream.on_event(kLast, out);
    EXPECT_EQ(stream.usage().completion_tokens, 10);  // thoughts count as completion
    EXPECT_EQ(stream.usage().reasoning_tokens, 6);
    out.clear();
    stream.finish(out);
    EXPECT_EQ(out, R"(data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":7,"model":"gemini-x","choices":[],)"
                   R"("usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20,)"
                   R"("prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":6}}})"
                   "\n\ndata: [DONE]\n\n");
    const auto usage = sse::find_usage(*sse::first_data(out));
    ASSERT_TRUE(usage);
    EXPECT_EQ(usage->completion_tokens, 10);
}

TEST(GeminiStream, FunctionCallsComeWholeAsOneToolCallDelta) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event(kFirst, out);
    out.clear();
    stream.on_event(R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"weather","args":{"city":"Paris"}}},)"
                    R"({"functionCall":{"name":"noon"}}],"role":"model"},"finishReason":"STOP"}],"responseId":"r1"})",
                    out);
    EXPECT_EQ(out,
              chunk(R"({"tool_calls":[{"index":0,"id":"call_0","type":"function","function":{"name":"weather",)"
                    R"("arguments":"{\"city\":\"Paris\"}"}}]})") +
                  chunk(R"({"tool_calls":[{"index":1,"id":"call_1","type":"function","function":{"name":"noon",)"
                        R"("arguments":"{}"}}]})") +
                  chunk("{}", R"("tool_calls")"));
    EXPECT_TRUE(sse::carries_content(*sse::first_data(out)));
}

TEST(GeminiStream, ThoughtsAreReasoningContentAndTheRoleChunkIsNoContent) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event(R"({"candidates":[{"content":{"parts":[{"text":"Hmm","thought":true}]}}],"responseId":"r1",)"
                    R"("modelVersion":"gemini-x"})",
                    out);
    EXPECT_EQ(out, chunk(R"({"role":"assistant","content":""})") + chunk(R"({"reasoning_content":"Hmm"})"));
    EXPECT_FALSE(sse::carries_content(*sse::first_data(out)));
}

TEST(GeminiStream, AnEndWithoutFinishReasonIsACutStream) {
    StreamTranslator stream = make(/*include_usage=*/true);
    std::string out;
    stream.on_event(kFirst, out);
    out.clear();
    stream.finish(out);
    ASSERT_TRUE(stream.error());
    EXPECT_EQ(stream.error()->code, "upstream_invalid_response");
    EXPECT_EQ(out, "data: " + api::render_error(*stream.error()) + "\n\n");
    EXPECT_TRUE(stream.finished());
    stream.finish(out);  // once finished: nothing more
    EXPECT_EQ(out.find("[DONE]"), std::string::npos);

    StreamTranslator empty = make();
    std::string nothing;
    empty.finish(nothing);
    EXPECT_FALSE(empty.started());  // still answerable as a plain error response
    EXPECT_TRUE(empty.error());
}

TEST(GeminiStream, AnErrorObjectEndsTheStreamWithoutDone) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event(kFirst, out);
    out.clear();
    stream.on_event(R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})", out);
    ASSERT_TRUE(stream.error());
    EXPECT_EQ(stream.error()->status, 503u);
    EXPECT_EQ(out, "data: " + api::render_error(*stream.error()) + "\n\n");
    stream.on_event(kLast, out);
    stream.finish(out);
    EXPECT_EQ(out, "data: " + api::render_error(*stream.error()) + "\n\n");
}

TEST(GeminiStream, ABlockedPromptEndsTheStreamBeforeItStarts) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event(R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":5}})", out);
    EXPECT_FALSE(stream.started());
    ASSERT_TRUE(stream.error());
    EXPECT_EQ(stream.error()->code, "content_filter");
    EXPECT_EQ(stream.usage().prompt_tokens, 5);
}

TEST(GeminiStream, AMalformedEventEndsTheStreamWithAnInvalidResponseError) {
    for (const char* data : {"not json", R"({"candidates":[{"content":{"parts":[{"functionCall":{"args":{}}}]}}]})",
                             R"({"candidates":[{"content":{"parts":[7]}}]})"}) {
        StreamTranslator stream = make();
        std::string out;
        stream.on_event(data, out);
        ASSERT_TRUE(stream.error()) << data;
        EXPECT_EQ(stream.error()->code, "upstream_invalid_response");
        EXPECT_TRUE(stream.finished());
        EXPECT_EQ(out.find("[DONE]"), std::string::npos);
    }
}

TEST(GeminiStream, PartsAfterTheFinishAndUnknownPartsAreSkipped) {
    StreamTranslator stream = make();
    std::string out;
    stream.on_event(kLast, out);
    out.clear();
    stream.on_event(R"({"candidates":[{"content":{"parts":[{"text":"late"}]},"finishReason":"STOP"}],)"
                    R"("usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":9}})",
                    out);
    EXPECT_EQ(out, "");
    EXPECT_EQ(stream.usage().completion_tokens, 15);  // the usage still counts
    StreamTranslator other = make();
    other.on_event(R"({"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"AA=="}},)"
                   R"({"thoughtSignature":"c2ln"},{"text":""}]}}],"responseId":"r1","modelVersion":"gemini-x"})",
                   out);
    EXPECT_EQ(out, chunk(R"({"role":"assistant","content":""})"));
}

TEST(GeminiStream, TranslatesTheSameWhereverTheBytesSplit) {
    const std::string upstream = "data: " + std::string(kFirst) + "\r\n\r\n: keep-alive\r\n\r\ndata: " +
                                 std::string(kLast) + "\r\n\r\n";
    auto relayed = [&](std::size_t split) {
        StreamTranslator stream = make(/*include_usage=*/true);
        std::string out = golden::relay(stream, upstream, split);
        stream.finish(out);
        return out;
    };
    const std::string whole = relayed(upstream.size());
    EXPECT_NE(whole.find("data: [DONE]"), std::string::npos);
    golden::expect_at_every_split(upstream.size(), whole, relayed);
}

}  // namespace
}  // namespace infergate::transform::gemini
