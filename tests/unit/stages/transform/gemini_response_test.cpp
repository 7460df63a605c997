#include "infergate/stages/transform/gemini_response.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace infergate::transform::gemini {
namespace {

using nlohmann::json;

// The client's answer as a JSON value; a failure (and null) when it is an error.
json translated(std::string_view body) {
    const auto result = translate_response(body, 1700000000, "gemini");
    if (const auto* error = std::get_if<api::Error>(&result)) {
        ADD_FAILURE() << error->message;
        return {};
    }
    return json::parse(std::get<ChatCompletion>(result).body);
}

api::Error refused(std::string_view body) {
    auto result = translate_response(body, 1700000000, "gemini");
    EXPECT_TRUE(std::holds_alternative<api::Error>(result)) << body;
    return std::holds_alternative<api::Error>(result) ? std::get<api::Error>(result) : api::Error{};
}

std::string answer(std::string_view parts, std::string_view finish = R"("STOP")") {
    return std::string(R"({"candidates":[{"content":{"role":"model","parts":)") + std::string(parts) +
           R"(},"finishReason":)" + std::string(finish) + R"(,"index":0}],)"
           R"("usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":5,"totalTokenCount":17},)"
           R"("modelVersion":"gemini-2.5-flash","responseId":"abc123"})";
}

TEST(GeminiResponse, TextAnswerInOpenAIShape) {
    auto result = translate_response(answer(R"([{"text":"Hello, "},{"text":"world \"!\""}])"), 1700000000, "gemini");
    ASSERT_TRUE(std::holds_alternative<ChatCompletion>(result));
    EXPECT_EQ(std::get<ChatCompletion>(result).body,
              R"({"id":"chatcmpl-abc123","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",)"
              R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello, world \"!\"","refusal":null},)"
              R"("logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,)"
              R"("total_tokens":17,"prompt_tokens_details":{"cached_tokens":0},)"
              R"("completion_tokens_details":{"reasoning_tokens":0}}})");
    EXPECT_EQ(std::get<ChatCompletion>(result).tokens.openai().prompt_tokens, 12);
}

TEST(GeminiResponse, FunctionCallsBecomeToolCallsWithDeterministicIds) {
    const json body = translated(answer(
        R"([{"functionCall":{"name":"weather","args":{"city":"Paris"}},"thoughtSignature":"c2ln"},)"
        R"({"functionCall":{"name":"noon"}}])"));
    const json& message = body["choices"][0]["message"];
    EXPECT_TRUE(message["content"].is_null());
    EXPECT_EQ(message["tool_calls"], json::parse(R"([
        {"id":"call_0","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
        {"id":"call_1","type":"function","function":{"name":"noon","arguments":"{}"}}])"));
    EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");
}

TEST(GeminiResponse, ThoughtsAreReasoningContentNeverContent) {
    const json body = translated(answer(R"([{"text":"Let me think.","thought":true},{"text":"42"}])"));
    EXPECT_EQ(body["choices"][0]["message"]["content"], "42");
    EXPECT_EQ(body["choices"][0]["message"]["reasoning_content"], "Let me think.");
}

TEST(GeminiResponse, FinishReasonsMapToOpenAIs) {
    const std::pair<const char*, const char*> cases[] = {
        {R"("STOP")", "stop"},           {R"("MAX_TOKENS")", "length"},       {R"("SAFETY")", "content_filter"},
        {R"("RECITATION")", "content_filter"}, {R"("BLOCKLIST")", "content_filter"},
        {R"("PROHIBITED_CONTENT")", "content_filter"}, {R"("SPII")", "content_filter"},
        {R"("OTHER")", "stop"},          {R"("A_NEW_REASON")", "stop"},       {"null", "stop"},
    };
    for (const auto& [reason, finish] : cases) {
        EXPECT_EQ(translated(answer(R"([{"text":"x"}])", reason))["choices"][0]["finish_reason"], finish) << reason;
    }
    // A candidate stopped by safety may have no content at all.
    const json filtered = translated(R"({"candidates":[{"finishReason":"SAFETY","index":0}],"modelVersion":"g"})");
    EXPECT_TRUE(filtered["choices"][0]["message"]["content"].is_null());
    EXPECT_EQ(filtered["choices"][0]["finish_reason"], "content_filter");
}

TEST(GeminiResponse, UsageCountsThoughtsAsCompletionAndCacheAsPartOfThePrompt) {
    auto result = translate_response(
        R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}],"usageMetadata":)"
        R"({"promptTokenCount":100,"cachedContentTokenCount":60,"candidatesTokenCount":10,"thoughtsTokenCount":30,)"
        R"("totalTokenCount":140}})",
        1, "gemini");
    ASSERT_TRUE(std::holds_alternative<ChatCompletion>(result));
    const json usage = json::parse(std::get<ChatCompletion>(result).body)["usage"];
    EXPECT_EQ(usage, json::parse(R"({"prompt_tokens":100,"completion_tokens":40,"total_tokens":140,)"
                                 R"("prompt_tokens_details":{"cached_tokens":60},)"
                                 R"("completion_tokens_details":{"reasoning_tokens":30}})"));
    const sse::Usage openai = std::get<ChatCompletion>(result).tokens.openai();
    EXPECT_EQ(openai.reasoning_tokens, 30);
    EXPECT_EQ(openai.cached_tokens, 60);
}

TEST(GeminiResponse, IdAndModelFallBackWhenGeminiGivesNone) {
    const json body = translated(R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]})");
    EXPECT_EQ(body["id"], "chatcmpl-gemini-1700000000");
    EXPECT_EQ(body["model"], "gemini");
}

TEST(GeminiResponse, ABlockedPromptIsAContentFilterError) {
    const api::Error error = refused(R"({"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},)"
                                     R"("usageMetadata":{"promptTokenCount":8}})");
    EXPECT_EQ(error.status, 400u);
    EXPECT_EQ(error.code, "content_filter");
    EXPECT_NE(error.message.find("SAFETY"), std::string::npos);
}

TEST(GeminiResponse, RefusesWhatIsNotAGeminiAnswer) {
    for (const char* body : {"not json", "[]", R"({"id":"msg_1","content":[]})", R"({"candidates":[]})",
                             R"({"candidates":[{"content":{"parts":[{"functionCall":{"args":{}}}]}}]})",
                             R"({"candidates":[{"content":{"parts":["text"]}}]})"}) {
        const api::Error error = refused(body);
        EXPECT_EQ(error.code, "upstream_invalid_response") << body;
        EXPECT_NE(error.message.find("`gemini`"), std::string::npos) << body;
    }
}

}  // namespace
}  // namespace infergate::transform::gemini
