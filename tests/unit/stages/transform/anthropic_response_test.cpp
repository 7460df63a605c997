#include "infergate/stages/transform/anthropic_response.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace infergate::transform::anthropic {
namespace {

using nlohmann::json;

ChatCompletion translated(std::string_view body) {
    auto result = translate_response(body, 1700000000, "anthropic");
    EXPECT_TRUE(std::holds_alternative<ChatCompletion>(result))
        << (std::holds_alternative<api::Error>(result) ? std::get<api::Error>(result).message : "");
    return std::holds_alternative<ChatCompletion>(result) ? std::get<ChatCompletion>(result) : ChatCompletion{};
}

std::string answer(std::string_view content, std::string_view stop_reason = R"("end_turn")",
                   std::string_view usage = R"({"input_tokens":10,"output_tokens":5})") {
    return std::string(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":)") +
           std::string(content) + R"(,"stop_reason":)" + std::string(stop_reason) +
           R"(,"stop_sequence":null,"usage":)" + std::string(usage) + "}";
}

TEST(AnthropicResponse, TextAnswerInOpenAIShape) {
    const ChatCompletion completion = translated(answer(R"([{"type":"text","text":"Hi \"there\"\n"}])"));
    EXPECT_EQ(completion.body,
              R"({"id":"msg_1","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-5-20250929",)"
              R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi \"there\"\n","refusal":null},)"
              R"("logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,)"
              R"("total_tokens":15,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0}}})");
}

TEST(AnthropicResponse, ToolUseBecomesToolCallsWithArgumentsAsAString) {
    const json body = json::parse(translated(answer(
        R"([{"type":"text","text":"Checking."},
            {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris","days":[1,2]}},
            {"type":"tool_use","id":"toolu_2","name":"now","input":{}}])",
        R"("tool_use")")).body);
    const json& choice = body["choices"][0];
    EXPECT_EQ(choice["finish_reason"], "tool_calls");
    EXPECT_EQ(choice["message"]["content"], "Checking.");
    EXPECT_EQ(choice["message"]["tool_calls"], json::parse(R"([
        {"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\",\"days\":[1,2]}"}},
        {"id":"toolu_2","type":"function","function":{"name":"now","arguments":"{}"}}])"));
}

TEST(AnthropicResponse, ContentIsNullWhenThereIsOnlyAToolCall) {
    const json body = json::parse(translated(answer(
        R"([{"type":"tool_use","id":"t","name":"f","input":{}}])", R"("tool_use")")).body);
    EXPECT_TRUE(body["choices"][0]["message"]["content"].is_null());
}

TEST(AnthropicResponse, ThinkingIsReasoningContentNeverContent) {
    const json body = json::parse(translated(answer(
        R"([{"type":"thinking","thinking":"27 + 15 is 42.","signature":"EqQB"},
            {"type":"redacted_thinking","data":"EmwK"},{"type":"text","text":"42"}])")).body);
    const json& message = body["choices"][0]["message"];
    EXPECT_EQ(message["content"], "42");
    EXPECT_EQ(message["reasoning_content"], "27 + 15 is 42.");
    EXPECT_EQ(body.dump().find("EqQB"), std::string::npos);  // signatures stay out
}

TEST(AnthropicResponse, StopReasonsBecomeFinishReasons) {
    const std::pair<const char*, const char*> cases[] = {
        {R"("end_turn")", "stop"},          {R"("stop_sequence")", "stop"},
        {R"("max_tokens")", "length"},      {R"("tool_use")", "tool_calls"},
        {R"("refusal")", "content_filter"}, {"null", "stop"}};
    for (const auto& [reason, finish] : cases) {
        const json body = json::parse(translated(answer(R"([{"type":"text","text":"x"}])", reason)).body);
        EXPECT_EQ(body["choices"][0]["finish_reason"], finish) << reason;
    }
}

TEST(AnthropicResponse, PromptTokensIncludeTheCache) {
    const ChatCompletion completion = translated(answer(R"([{"type":"text","text":"x"}])", R"("end_turn")",
        R"({"input_tokens":20,"cache_creation_input_tokens":100,"cache_read_input_tokens":300,"output_tokens":8})"));
    const json usage = json::parse(completion.body)["usage"];
    EXPECT_EQ(usage, json::parse(R"({"prompt_tokens":420,"completion_tokens":8,"total_tokens":428,
        "prompt_tokens_details":{"cached_tokens":300,"cache_write_tokens":100}})"));
    const sse::Usage seen = completion.tokens.openai();
    EXPECT_EQ(seen.prompt_tokens, 420);
    EXPECT_EQ(seen.cached_tokens, 300);
    EXPECT_EQ(seen.completion_tokens, 8);
    // What the gateway reads from any OpenAI answer agrees.
    const auto read = sse::find_usage(completion.body);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->prompt_tokens, 420);
    EXPECT_EQ(read->cached_tokens, 300);
}

TEST(AnthropicResponse, RefusesWhatIsNotAMessagesAnswer) {
    for (const char* body : {"<html>", R"({"type":"message"})", R"({"id":"m","model":"c","content":[1]})",
                             R"({"id":"m","model":"c","content":[{"type":"tool_use","id":"t"}]})"}) {
        auto result = translate_response(body, 0, "anthropic");
        ASSERT_TRUE(std::holds_alternative<api::Error>(result)) << body;
        EXPECT_EQ(std::get<api::Error>(result).code, "upstream_invalid_response");
        EXPECT_EQ(std::get<api::Error>(result).status, 502u);
    }
}

}  // namespace
}  // namespace infergate::transform::anthropic
