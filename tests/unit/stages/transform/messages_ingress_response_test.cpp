#include "infergate/stages/transform/messages_ingress_response.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace infergate::transform::messages_ingress {
namespace {

using nlohmann::json;

// A chat.completion with `message` and `finish` in its only choice, and `usage`.
std::string completion(std::string_view message, std::string_view finish = R"("stop")",
                       std::string_view usage = R"({"prompt_tokens":10,"completion_tokens":3,"total_tokens":13})") {
    return std::string(R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-x","choices":[)"
                       R"({"index":0,"message":)") +
           std::string(message) + R"(,"finish_reason":)" + std::string(finish) + "}],\"usage\":" + std::string(usage) + "}";
}

MessagesResponse translated(const std::string& body) {
    auto result = translate_response(body, "vllm-a");
    EXPECT_TRUE(std::holds_alternative<MessagesResponse>(result))
        << (std::holds_alternative<api::Error>(result) ? std::get<api::Error>(result).message : "");
    return std::holds_alternative<MessagesResponse>(result) ? std::get<MessagesResponse>(result) : MessagesResponse{};
}

json body_of(const std::string& body) { return json::parse(translated(body).body); }

TEST(MessagesIngressResponse, TranslatesATextAnswer) {
    const MessagesResponse response = translated(completion(R"({"role":"assistant","content":"Hi \"there\""})"));
    EXPECT_EQ(response.body,
              R"({"id":"msg_chatcmpl-1","type":"message","role":"assistant","model":"gpt-x",)"
              R"("content":[{"type":"text","text":"Hi \"there\""}],"stop_reason":"end_turn","stop_sequence":null,)"
              R"("usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":3}})");
    EXPECT_EQ(response.usage.prompt_tokens, 10);
    EXPECT_EQ(response.usage.completion_tokens, 3);
}

TEST(MessagesIngressResponse, FinishReasonsBecomeStopReasons) {
    const std::string message = R"({"role":"assistant","content":"x"})";
    EXPECT_EQ(body_of(completion(message, R"("length")"))["stop_reason"], "max_tokens");
    EXPECT_EQ(body_of(completion(message, R"("tool_calls")"))["stop_reason"], "tool_use");
    EXPECT_EQ(body_of(completion(message, R"("content_filter")"))["stop_reason"], "refusal");
    EXPECT_EQ(body_of(completion(message, "null"))["stop_reason"], "end_turn");
    // vLLM names the stop string that matched.
    const json matched = body_of(completion(message, R"("stop","stop_reason":"END")"));
    EXPECT_EQ(matched["stop_reason"], "stop_sequence");
    EXPECT_EQ(matched["stop_sequence"], "END");
    EXPECT_EQ(body_of(completion(message, R"("stop","stop_reason":151645)"))["stop_reason"], "end_turn");
}

TEST(MessagesIngressResponse, ArgumentsThatAreNotAnObjectGiveAnEmptyInput) {
    const json body = body_of(completion(
        R"({"role":"assistant","content":null,"tool_calls":[)"
        R"({"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\": 1"}},)"
        R"({"id":"c2","type":"function","function":{"name":"g","arguments":"[1]"}},)"
        R"({"id":"c3","type":"function","function":{"name":"h","arguments":""}}]})",
        R"("tool_calls")"));
    EXPECT_EQ(body["content"], json::parse(R"([{"type":"tool_use","id":"c1","name":"f","input":{}},)"
                                           R"({"type":"tool_use","id":"c2","name":"g","input":{}},)"
                                           R"({"type":"tool_use","id":"c3","name":"h","input":{}}])"));
}

TEST(MessagesIngressResponse, EmptyTextMakesNoBlockAndARefusalIsText) {
    EXPECT_EQ(body_of(completion(R"({"role":"assistant","content":""})"))["content"], json::array());
    EXPECT_EQ(body_of(completion(R"({"role":"assistant","content":null,"refusal":"No."})", R"("content_filter")"))["content"],
              json::parse(R"([{"type":"text","text":"No."}])"));
    EXPECT_EQ(body_of(completion(R"({"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]})"))["content"],
              json::parse(R"([{"type":"text","text":"ab"}])"));
    EXPECT_EQ(body_of(completion(R"({"role":"assistant","reasoning":"r","content":"x"})"))["content"][0],
              json::parse(R"({"type":"thinking","thinking":"r","signature":""})"));
}

TEST(MessagesIngressResponse, CachedTokensAreNotInputTokensAndNoUsageIsZero) {
    const json usage = body_of(completion(R"({"role":"assistant","content":"x"})", R"("stop")",
                                          R"({"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":60}})"))["usage"];
    EXPECT_EQ(usage, json::parse(R"({"input_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":60,"output_tokens":5})"));
    EXPECT_EQ(body_of(completion(R"({"role":"assistant","content":"x"})", R"("stop")", "null"))["usage"]["input_tokens"], 0);
}

TEST(MessagesIngressResponse, WhatIsNotACompletionIsAnInvalidUpstreamResponse) {
    for (const std::string body : {std::string("<html>"), std::string(R"({"id":"x","choices":[]})"),
                                   std::string(R"({"choices":[{"message":{"content":"x"}}]})"),
                                   completion(R"({"tool_calls":[{"id":"c","function":{"arguments":"{}"}}]})")}) {
        auto result = translate_response(body, "vllm-a");
        ASSERT_TRUE(std::holds_alternative<api::Error>(result)) << body;
        EXPECT_EQ(std::get<api::Error>(result).status, 502u);
        EXPECT_EQ(std::get<api::Error>(result).code, "upstream_invalid_response");
    }
}

}  // namespace
}  // namespace infergate::transform::messages_ingress
