#include "infergate/stages/transform/messages_ingress_stream.hpp"

#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "golden_support.hpp"
#include "infergate/stages/transform/anthropic_stream.hpp"

namespace infergate::transform::messages_ingress {
namespace {

using nlohmann::json;

// An OpenAI chunk event with `delta` and `finish` in its only choice.
std::string chunk(std::string_view delta, std::string_view finish = "null") {
    return std::string(R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[)"
                       R"({"index":0,"delta":)") +
           std::string(delta) + R"(,"finish_reason":)" + std::string(finish) + "}]}\n\n";
}

constexpr std::string_view kDone = "data: [DONE]\n\n";

// The data of each Anthropic event in `out`, in order.
std::vector<json> events(const std::string& out) {
    std::vector<json> result;
    golden::replay(out, out.size(), [&](std::string_view event) {
        if (auto data = sse::first_data(event)) result.push_back(json::parse(*data));
    });
    return result;
}

std::string feed(StreamTranslator& stream, std::initializer_list<std::string_view> input) {
    std::string out;
    for (const std::string_view event : input) stream.on_sse_event(event, out);
    return out;
}

TEST(MessagesIngressStream, EachChunkIsTranslatedAtOnce) {
    StreamTranslator stream({.backend = "b"});
    EXPECT_EQ(feed(stream, {chunk(R"({"role":"assistant","content":""})")}),
              "event: message_start\n"
              R"(data: {"type":"message_start","message":{"id":"msg_c1","type":"message","role":"assistant","content":[],)"
              R"("model":"gpt-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,)"
              R"("cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}})"
              "\n\n");
    EXPECT_TRUE(stream.started());
    EXPECT_EQ(feed(stream, {chunk(R"({"content":"Hi"})")}),
              "event: content_block_start\n"
              R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"
              "\n\nevent: content_block_delta\n"
              R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})"
              "\n\n");
    EXPECT_FALSE(stream.finished());
}

TEST(MessagesIngressStream, TheModelCanBeTheOneTheClientNamed) {
    StreamTranslator stream({.model = "claude-\"alias\"", .backend = "b"});
    EXPECT_EQ(events(feed(stream, {chunk("{}")}))[0]["message"]["model"], "claude-\"alias\"");
}

TEST(MessagesIngressStream, EachChangeOfKindIsANewBlock) {
    StreamTranslator stream({.backend = "b"});
    const std::string out = feed(
        stream, {chunk(R"({"reasoning_content":"a"})"), chunk(R"({"content":"b"})"),
                 chunk(R"({"tool_calls":[{"index":0,"id":"t0","function":{"name":"f","arguments":"{\"x\""}}]})"),
                 chunk(R"({"tool_calls":[{"index":1,"function":{"name":"g","arguments":""}}]})"),
                 chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]})"),
                 chunk(R"({"content":"c"})"), chunk("{}", R"("tool_calls")"), std::string(kDone)});
    std::vector<std::string> seen;
    for (const json& event : events(out)) {
        std::string line = event["type"];
        if (event.contains("index")) line += " " + std::to_string(event["index"].get<int>());
        if (event.contains("content_block")) line += " " + event["content_block"].dump();
        if (event.contains("delta")) line += " " + event["delta"].dump();
        seen.push_back(line);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{
                        "message_start",
                        R"(content_block_start 0 {"signature":"","thinking":"","type":"thinking"})",
                        R"(content_block_delta 0 {"thinking":"a","type":"thinking_delta"})",
                        "content_block_stop 0",
                        R"(content_block_start 1 {"text":"","type":"text"})",
                        R"(content_block_delta 1 {"text":"b","type":"text_delta"})",
                        "content_block_stop 1",
                        R"(content_block_start 2 {"id":"t0","input":{},"name":"f","type":"tool_use"})",
                        R"(content_block_delta 2 {"partial_json":"{\"x\"","type":"input_json_delta"})",
                        "content_block_stop 2",
                        // No id from the backend: one unique within the message.
                        R"(content_block_start 3 {"id":"toolu_c1_1","input":{},"name":"g","type":"tool_use"})",
                        // A late fragment goes to its call's block.
                        R"(content_block_delta 2 {"partial_json":":1}","type":"input_json_delta"})",
                        "content_block_stop 3",
                        R"(content_block_start 4 {"text":"","type":"text"})",
                        R"(content_block_delta 4 {"text":"c","type":"text_delta"})",
                        "content_block_stop 4",
                        R"(message_delta {"stop_reason":"tool_use","stop_sequence":null})",
                        "message_stop",
                    }));
    EXPECT_TRUE(stream.finished());
    EXPECT_FALSE(stream.error());
}

TEST(MessagesIngressStream, AMatchedStopStringIsTheStopSequence) {
    StreamTranslator stream({.backend = "b"});
    const auto out = events(feed(stream, {chunk(R"({"content":"x"})", R"("stop","stop_reason":"END")"), std::string(kDone)}));
    EXPECT_EQ(out.at(out.size() - 2)["delta"], json::parse(R"({"stop_reason":"stop_sequence","stop_sequence":"END"})"));
}

TEST(MessagesIngressStream, UsageIsKeptForQuotaAndSentAtTheEnd) {
    StreamTranslator stream({.backend = "b"});
    const std::string usage_chunk =
        R"(data: {"id":"c1","choices":[],"usage":{"prompt_tokens":50,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":20}}})"
        "\n\n";
    std::string out = feed(stream, {chunk(R"({"content":"x"})", R"("stop")"), usage_chunk});
    EXPECT_EQ(out.find("message_delta"), std::string::npos);
    EXPECT_EQ(stream.usage().prompt_tokens, 50);
    EXPECT_EQ(stream.usage().cached_tokens, 20);
    EXPECT_EQ(stream.usage().completion_tokens, 9);
    const auto tail = events(feed(stream, {kDone}));
    ASSERT_EQ(tail.size(), 2u);
    EXPECT_EQ(tail[0]["usage"], json::parse(R"({"input_tokens":30,"cache_creation_input_tokens":0,"cache_read_input_tokens":20,"output_tokens":9})"));
    EXPECT_EQ(tail[1]["type"], "message_stop");
}

TEST(MessagesIngressStream, AChunkWithoutChoicesBeforeTheFirstOpensNothing) {
    StreamTranslator stream({.backend = "b"});
    // Azure's first chunk: prompt filter results, an empty id and model.
    EXPECT_EQ(feed(stream, {R"(data: {"id":"","model":"","choices":[],"prompt_filter_results":[]})" "\n\n"}), "");
    EXPECT_FALSE(stream.started());
    EXPECT_EQ(events(feed(stream, {chunk("{}")}))[0]["message"]["id"], "msg_c1");
}

TEST(MessagesIngressStream, ACutStreamEndsWithAnErrorEvent) {
    StreamTranslator stream({.backend = "vllm-a"});
    std::string out = feed(stream, {chunk(R"({"content":"x"})")});
    out.clear();
    stream.finish(out);
    EXPECT_EQ(out, "event: error\n"
                   R"(data: {"type":"error","error":{"type":"api_error","message":"The upstream backend `vllm-a` sent an invalid response: the stream ended before [DONE]."}})"
                   "\n\n");
    ASSERT_TRUE(stream.error());
    EXPECT_EQ(stream.error()->code, "upstream_invalid_response");
    EXPECT_TRUE(stream.finished());
    out.clear();
    stream.finish(out);
    stream.on_sse_event(kDone, out);
    EXPECT_EQ(out, "");  // after the end: nothing
}

TEST(MessagesIngressStream, MalformedInputEndsTheStream) {
    for (const std::string_view input : {std::string_view("data: {\"id\":\n\n"), std::string_view(kDone),
                                         std::string_view("data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[5]}\n\n"),
                                         std::string_view("data: {\"choices\":[{\"delta\":{}}]}\n\n")}) {
        StreamTranslator stream({.backend = "b"});
        const auto out = events(feed(stream, {input}));
        ASSERT_EQ(out.size(), 1u) << input;
        EXPECT_EQ(out[0]["type"], "error");
        EXPECT_EQ(stream.error()->status, 502u);
        EXPECT_FALSE(stream.started());  // still answerable as a plain error response
    }
    StreamTranslator stream({.backend = "b"});
    const auto out = events(feed(stream, {chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]})")}));
    EXPECT_EQ(out.back()["type"], "error");  // a tool call must be named when it starts
}

TEST(MessagesIngressStream, CommentsAreIgnored) {
    StreamTranslator stream({.backend = "b"});
    EXPECT_EQ(feed(stream, {": keep-alive\n\n"}), "");
}

// ---- Round trip: OpenAI stream -> this translator -> the outbound Anthropic translator ----

struct Said {
    std::string content, reasoning, finish, error_code;
    std::map<int, std::string> tool_ids, tool_names, tool_arguments;
    std::int64_t prompt = 0, completion = 0, cached = 0;
    bool operator==(const Said&) const = default;
};

// What an OpenAI stream says, whatever its chunking and ids.
Said read_openai(const std::string& stream) {
    Said said;
    golden::replay(stream, stream.size(), [&](std::string_view event) {
        const auto data = sse::first_data(event);
        if (!data || *data == "[DONE]") return;
        const json chunk = json::parse(*data);
        if (chunk.contains("error")) said.error_code = chunk["error"]["code"];
        if (chunk.contains("usage") && chunk["usage"].is_object()) {
            said.prompt = chunk["usage"]["prompt_tokens"];
            said.completion = chunk["usage"]["completion_tokens"];
            said.cached = chunk["usage"].value("/prompt_tokens_details/cached_tokens"_json_pointer, 0);
        }
        if (!chunk.contains("choices") || chunk["choices"].empty()) return;
        const json& choice = chunk["choices"][0];
        if (choice["finish_reason"].is_string()) said.finish = choice["finish_reason"];
        const json& delta = choice["delta"];
        if (delta.contains("content") && delta["content"].is_string()) said.content += delta["content"];
        if (delta.contains("reasoning_content")) said.reasoning += delta["reasoning_content"];
        for (const json& call : delta.value("tool_calls", json::array())) {
            const int index = call["index"];
            if (call.contains("id")) said.tool_ids[index] = call["id"];
            if (call["function"].contains("name")) said.tool_names[index] = call["function"]["name"];
            said.tool_arguments[index] += call["function"].value("arguments", "");
        }
    });
    return said;
}

class MessagesIngressRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(MessagesIngressRoundTrip, TheOutboundTranslatorReadsBackWhatTheBackendSaid) {
    const std::string backend = golden::read("messages_ingress/" + GetParam() + ".openai.sse");
    StreamTranslator ingress({.backend = "vllm-a"});
    std::string anthropic;
    golden::replay(backend, backend.size(), [&](std::string_view event) { ingress.on_sse_event(event, anthropic); });
    anthropic::StreamTranslator outbound({.created = 1, .include_usage = true, .backend = "anthropic"});
    std::string openai;
    golden::replay(anthropic, anthropic.size(), [&](std::string_view event) { outbound.on_sse_event(event, openai); });
    EXPECT_TRUE(outbound.finished());
    EXPECT_EQ(read_openai(openai), read_openai(backend));
    EXPECT_EQ(outbound.usage().prompt_tokens, ingress.usage().prompt_tokens);
}

INSTANTIATE_TEST_SUITE_P(MessagesIngress, MessagesIngressRoundTrip,
                         ::testing::Values("text", "tool_use", "thinking", "usage", "error_mid_stream"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace infergate::transform::messages_ingress
