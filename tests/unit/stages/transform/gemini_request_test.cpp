#include "infergate/stages/transform/gemini_request.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace infergate::transform::gemini {
namespace {

using nlohmann::json;

// The Gemini request; a failure (and an empty body object) when the translation refused it.
GenerateRequest translated(std::string_view body, const RequestOptions& options = {}) {
    auto result = translate_request(body, options);
    if (const auto* error = std::get_if<api::Error>(&result)) {
        ADD_FAILURE() << error->message << "\n" << body;
        return {.body = "{}"};
    }
    return std::get<GenerateRequest>(std::move(result));
}

json translated_json(std::string_view body) { return json::parse(translated(body).body); }

// The 400 for `body`; a failure when it translated.
api::Error refused(std::string_view body) {
    auto result = translate_request(body, {});
    if (auto* error = std::get_if<api::Error>(&result)) return std::move(*error);
    ADD_FAILURE() << "translated: " << body;
    return {};
}

TEST(GeminiRequest, TranslatesASimpleChatInAStableOrder) {
    const GenerateRequest request = translated(
        R"({"model":"gemini","messages":[{"role":"system","content":"Be brief."},)"
        R"({"role":"user","content":"Hi"}],"temperature":0.5,"stop":"END","max_tokens":200})");
    EXPECT_EQ(request.body,
              R"({"systemInstruction":{"parts":[{"text":"Be brief."}]},)"
              R"("contents":[{"role":"user","parts":[{"text":"Hi"}]}],)"
              R"("generationConfig":{"maxOutputTokens":200,"stopSequences":["END"],"temperature":0.5}})");
    EXPECT_FALSE(request.stream);
    EXPECT_FALSE(request.include_usage);
}

TEST(GeminiRequest, StreamingIsThePathsToSay) {
    const GenerateRequest request = translated(
        R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]})");
    EXPECT_TRUE(request.stream);
    EXPECT_TRUE(request.include_usage);
    EXPECT_FALSE(json::parse(request.body).contains("stream"));
    EXPECT_EQ(refused(R"({"model":"m","stream":"yes","messages":[{"role":"user","content":"x"}]})").param, "stream");
}

TEST(GeminiRequest, MaxTokensFromEitherNameElseTheDefaultElseNone) {
    EXPECT_FALSE(translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"}]})")
                     .contains("generationConfig"));
    EXPECT_EQ(json::parse(translated(R"({"model":"m","messages":[{"role":"user","content":"x"}]})",
                                     {.default_max_tokens = 512})
                              .body)["generationConfig"]["maxOutputTokens"],
              512);
    EXPECT_EQ(translated_json(R"({"model":"m","max_tokens":5,"max_completion_tokens":9,)"
                              R"("messages":[{"role":"user","content":"x"}]})")["generationConfig"]["maxOutputTokens"],
              9);
    EXPECT_EQ(refused(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})").param,
              "max_tokens");
}

TEST(GeminiRequest, SamplingFieldsTakeGeminisNames) {
    const json config = translated_json(
        R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_p":0.9,"seed":7,"n":1,)"
        R"("presence_penalty":0.5,"frequency_penalty":-0.5,"top_k":40,"stop":["a","b"]})")["generationConfig"];
    EXPECT_EQ(config, json::parse(R"({"stopSequences":["a","b"],"topP":0.9,"presencePenalty":0.5,)"
                                  R"("frequencyPenalty":-0.5,"seed":7,"topK":40,"candidateCount":1})"));
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],"seed":1.5})").param, "seed");
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_p":"high"})").param, "top_p");
}

TEST(GeminiRequest, SystemAndDeveloperMessagesBecomeTheSystemInstruction) {
    const json request = translated_json(
        R"({"model":"m","messages":[{"role":"system","content":"One."},{"role":"user","content":"x"},)"
        R"({"role":"developer","content":[{"type":"text","text":"Two."}]}]})");
    EXPECT_EQ(request["systemInstruction"], json::parse(R"({"parts":[{"text":"One."},{"text":"Two."}]})"));
    EXPECT_EQ(request["contents"], json::parse(R"([{"role":"user","parts":[{"text":"x"}]}])"));
}

TEST(GeminiRequest, ImagesFromDataAndHttpUrls) {
    const json request = translated_json(
        R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},)"
        R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},)"
        R"({"type":"image_url","image_url":{"url":"https://example.com/cat.JPG?size=big"}},)"
        R"({"type":"image_url","image_url":{"url":"https://example.com/cat.jpeg?size=big"}},)"
        R"({"type":"image_url","image_url":{"url":"https://example.com/photo"}}]}]})");
    EXPECT_EQ(request["contents"][0]["parts"], json::parse(R"([
        {"text":"What is this?"},
        {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
        {"fileData":{"fileUri":"https://example.com/cat.JPG?size=big","mimeType":"image/jpeg"}},
        {"fileData":{"fileUri":"https://example.com/cat.jpeg?size=big","mimeType":"image/jpeg"}},
        {"fileData":{"fileUri":"https://example.com/photo"}}])"));
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":)"
                      R"({"url":"ftp://x/y.png"}}]}]})").param,
              "messages[0].content[0].image_url.url");
    const api::Error file = refused(R"({"model":"m","messages":[{"role":"user","content":[)"
                                     R"({"type":"file","file":{"file_id":"f"}}]}]})");
    EXPECT_EQ(file.code, "unsupported_value");
}

TEST(GeminiRequest, ToolCallsAndResultsBecomeFunctionCallsAndResponses) {
    // Gemini names the function a result answers; OpenAI only the call's id.
    const std::string conversation =
        R"({"model":"m","messages":[{"role":"user","content":"100 EUR in JPY, and the date?"},)"
        R"({"role":"assistant","tool_calls":[{"id":"call_0","type":"function","function":)"
        R"({"name":"convert","arguments":"{\"from\":\"EUR\",\"to\":\"JPY\",\"amount\":100}"}},)"
        R"({"id":"call_1","type":"function","function":{"name":"today"}}]},)"
        R"({"role":"tool","tool_call_id":"call_1","content":[{"type":"text","text":"2025-05-01"}]},)"
        R"({"role":"tool","tool_call_id":"call_0","content":"[16250.5, \"JPY\"]"},)"
        R"({"role":"user","content":"Round it."}]})";
    EXPECT_EQ(translated_json(conversation)["contents"], json::parse(R"([
        {"role":"user","parts":[{"text":"100 EUR in JPY, and the date?"}]},
        {"role":"model","parts":[{"functionCall":{"name":"convert","args":{"from":"EUR","to":"JPY","amount":100}}},
                                 {"functionCall":{"name":"today","args":{}}}]},
        {"role":"user","parts":[{"functionResponse":{"name":"today","response":{"content":"2025-05-01"}}},
                                {"functionResponse":{"name":"convert","response":{"content":[16250.5,"JPY"]}}},
                                {"text":"Round it."}]}])"));
}

TEST(GeminiRequest, AToolResultMustAnswerAnEarlierCall) {
    const api::Error error = refused(R"({"model":"m","messages":[{"role":"user","content":"x"},)"
                                     R"({"role":"tool","tool_call_id":"call_9","content":"42"}]})");
    EXPECT_EQ(error.param, "messages[1].tool_call_id");
    EXPECT_EQ(error.status, 400u);
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function",)"
                      R"("function":{"name":"f","arguments":"[1]"}}]}]})").param,
              "messages[0].tool_calls[0].function.arguments");
}

TEST(GeminiRequest, ConsecutiveSameRoleMessagesMergeAndEmptyOnesVanish) {
    const json request = translated_json(R"({"model":"m","messages":[{"role":"user","content":"a"},)"
                                         R"({"role":"user","content":""},{"role":"user","content":"b"},)"
                                         R"({"role":"assistant","content":"c"},{"role":"assistant","content":"d"}]})");
    EXPECT_EQ(request["contents"], json::parse(R"([{"role":"user","parts":[{"text":"a"},{"text":"b"}]},)"
                                               R"({"role":"model","parts":[{"text":"c"},{"text":"d"}]}])"));
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"system","content":"only"}]})").param, "messages");
}

TEST(GeminiRequest, ToolsAndToolChoice) {
    const json request = translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"}],
        "tools":[{"type":"function","function":{"name":"weather","description":"Weather now",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"},
                                "additionalProperties":{"type":"string"}},
                                "required":["city"],"additionalProperties":false}}},
                 {"type":"function","function":{"name":"noon"}}],
        "tool_choice":{"type":"function","function":{"name":"weather"}}})");
    EXPECT_EQ(request["tools"], json::parse(R"([{"functionDeclarations":[
        {"name":"weather","description":"Weather now","parameters":{"type":"object",
         "properties":{"city":{"type":"string"},"additionalProperties":{"type":"string"}},"required":["city"]}},
        {"name":"noon"}]}])"));
    EXPECT_EQ(request["toolConfig"], json::parse(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["weather"]}})"));
    const char* modes[][2] = {{"auto", "AUTO"}, {"none", "NONE"}, {"required", "ANY"}};
    for (const auto& [choice, mode] : modes) {
        const json with = translated_json(std::string(R"({"model":"m","messages":[{"role":"user","content":"x"}],)") +
                                          R"("tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":")" +
                                          choice + R"("})");
        EXPECT_EQ(with["toolConfig"]["functionCallingConfig"]["mode"], mode) << choice;
    }
    EXPECT_FALSE(translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"auto"})")
                     .contains("toolConfig"));
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"required"})").param,
              "tool_choice");
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search"}]})").param,
              "tools[0].type");
}

TEST(GeminiRequest, ResponseFormats) {
    EXPECT_EQ(translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
                              R"("response_format":{"type":"json_object"}})")["generationConfig"],
              json::parse(R"({"responseMimeType":"application/json"})"));
    EXPECT_EQ(translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":)"
                              R"({"type":"json_schema","json_schema":{"name":"p","strict":true,"schema":)"
                              R"({"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false}}}})")
                  ["generationConfig"],
              json::parse(R"({"responseMimeType":"application/json",)"
                          R"("responseSchema":{"type":"object","properties":{"a":{"type":"integer"}}}})"));
    EXPECT_FALSE(translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
                                 R"("response_format":{"type":"text"}})").contains("generationConfig"));
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"grammar"}})")
                  .code,
              "unsupported_value");
}

TEST(GeminiRequest, WhatGeminiCannotDoIsRefusedNamingTheParameter) {
    const std::pair<const char*, const char*> cases[] = {
        {R"("n":2)", "n"},
        {R"("logprobs":true)", "logprobs"},
        {R"("top_logprobs":2)", "top_logprobs"},
        {R"("audio":{"voice":"alloy","format":"mp3"})", "audio"},
        {R"("modalities":["text","audio"])", "modalities"},
        {R"("functions":[{"name":"f"}])", "functions"},
        {R"("function_call":"auto")", "function_call"},
    };
    for (const auto& [field, param] : cases) {
        const api::Error error =
            refused(std::string(R"({"model":"m","messages":[{"role":"user","content":"x"}],)") + field + "}");
        EXPECT_EQ(error.status, 400u) << field;
        EXPECT_EQ(error.param, param) << field;
        EXPECT_EQ(error.code, "unsupported_value") << field;
        EXPECT_NE(error.message.find("Gemini"), std::string::npos) << field;
    }
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"function","name":"f","content":"x"}]})").param,
              "messages[0].role");
    EXPECT_EQ(refused("[1]").param, "body");
    EXPECT_EQ(refused("{").code, "invalid_json");
    EXPECT_EQ(refused(R"({"model":"m"})").code, "missing_required_parameter");
}

TEST(GeminiRequest, PathsNameTheModelOnlyWhenItIsPathSafe) {
    EXPECT_EQ(generate_content_path("gemini-2.5-flash"), "/v1beta/models/gemini-2.5-flash:generateContent");
    EXPECT_EQ(stream_generate_content_path("gemini-2.5-pro"),
              "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    for (const char* model : {"", ".", "..", "a/b", "a:b", "a?b", "a%2Fb", "a b", "gemini\n"}) {
        EXPECT_FALSE(is_path_safe_model(model)) << model;
        EXPECT_FALSE(generate_content_path(model)) << model;
    }
    EXPECT_FALSE(is_path_safe_model(std::string(129, 'a')));
    EXPECT_EQ(kApiKeyHeader, "x-goog-api-key");
}

}  // namespace
}  // namespace infergate::transform::gemini
