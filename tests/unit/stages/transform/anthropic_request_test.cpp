#include "infergate/stages/transform/anthropic_request.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace infergate::transform::anthropic {
namespace {

using nlohmann::json;

const RequestOptions kOptions{.upstream_model = "claude-sonnet-4-5", .default_max_tokens = 1024};

MessagesRequest translated(std::string_view body, const RequestOptions& options = kOptions) {
    auto result = translate_request(body, options);
    EXPECT_TRUE(std::holds_alternative<MessagesRequest>(result))
        << (std::holds_alternative<api::Error>(result) ? std::get<api::Error>(result).message : "");
    return std::holds_alternative<MessagesRequest>(result) ? std::get<MessagesRequest>(result) : MessagesRequest{};
}

json translated_json(std::string_view body) { return json::parse(translated(body).body); }

api::Error refused(std::string_view body) {
    auto result = translate_request(body, kOptions);
    EXPECT_TRUE(std::holds_alternative<api::Error>(result)) << body;
    return std::holds_alternative<api::Error>(result) ? std::get<api::Error>(result) : api::Error{};
}

TEST(AnthropicRequest, TranslatesASimpleChatInAStableOrder) {
    const MessagesRequest request = translated(
        R"({"model":"claude","messages":[{"role":"system","content":"Be brief."},)"
        R"({"role":"user","content":"Hi"}],"temperature":0.5,"stop":"END","max_tokens":200})");
    EXPECT_EQ(request.body,
              R"({"model":"claude-sonnet-4-5","max_tokens":200,"system":"Be brief.",)"
              R"("messages":[{"role":"user","content":"Hi"}],"stop_sequences":["END"],"temperature":0.5})");
    EXPECT_FALSE(request.stream);
    EXPECT_FALSE(request.include_usage);
}

TEST(AnthropicRequest, MaxTokensFromEitherNameElseTheDefault) {
    EXPECT_EQ(translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"}]})")["max_tokens"], 1024);
    EXPECT_EQ(translated_json(R"({"model":"m","max_tokens":5,"max_completion_tokens":9,)"
                              R"("messages":[{"role":"user","content":"x"}]})")["max_tokens"], 9);
    EXPECT_EQ(refused(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})").param,
              "max_tokens");
}

TEST(AnthropicRequest, SystemAndDeveloperMessagesBecomeTheSystemPrompt) {
    const json request = translated_json(
        R"({"model":"m","messages":[{"role":"system","content":"One."},{"role":"user","content":"x"},)"
        R"({"role":"developer","content":[{"type":"text","text":"Two."}]}]})");
    EXPECT_EQ(request["system"], json::parse(R"([{"type":"text","text":"One."},{"type":"text","text":"Two."}])"));
    EXPECT_EQ(request["messages"], json::parse(R"([{"role":"user","content":"x"}])"));
}

TEST(AnthropicRequest, ImagesFromDataAndHttpUrls) {
    const json request = translated_json(
        R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},)"
        R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},)"
        R"({"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]})");
    EXPECT_EQ(request["messages"][0]["content"], json::parse(R"([
        {"type":"text","text":"What is this?"},
        {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
        {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}])"));
}

TEST(AnthropicRequest, RefusesImagesItCannotSend) {
    auto image = [](std::string_view url) {
        return std::string(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":")") +
               std::string(url) + R"("}}]}]})";
    };
    EXPECT_EQ(refused(image("ftp://example.com/a.png")).code, "invalid_value");
    EXPECT_EQ(refused(image("data:image/png,rawbytes")).code, "invalid_value");
    const api::Error tiff = refused(image("data:image/tiff;base64,AAAA"));
    EXPECT_EQ(tiff.code, "unsupported_value");
    EXPECT_EQ(tiff.param, "messages[0].content[0].image_url.url");
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]})").code,
              "unsupported_value");
}

TEST(AnthropicRequest, ToolCallsAndToolResultsBecomeBlocks) {
    const json request = translated_json(R"({"model":"m","messages":[
        {"role":"user","content":"Weather in Paris and Rome?"},
        {"role":"assistant","content":null,"tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
            {"id":"call_2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
        {"role":"tool","tool_call_id":"call_1","content":"18C"},
        {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"24C"}]},
        {"role":"user","content":"Thanks"}]})");
    EXPECT_EQ(request["messages"], json::parse(R"([
        {"role":"user","content":"Weather in Paris and Rome?"},
        {"role":"assistant","content":[
            {"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Paris"}},
            {"type":"tool_use","id":"call_2","name":"weather","input":{"city":"Rome"}}]},
        {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"call_1","content":"18C"},
            {"type":"tool_result","tool_use_id":"call_2","content":"24C"},
            {"type":"text","text":"Thanks"}]}])"));
}

TEST(AnthropicRequest, AssistantTextComesBeforeItsToolCalls) {
    const json request = translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"},
        {"role":"assistant","content":"Let me look.","tool_calls":[
            {"id":"c","type":"function","function":{"name":"now","arguments":""}}]}]})");
    EXPECT_EQ(request["messages"][1]["content"], json::parse(R"([{"type":"text","text":"Let me look."},
        {"type":"tool_use","id":"c","name":"now","input":{}}])"));
}

TEST(AnthropicRequest, RefusesToolArgumentsThatAreNotAnObject) {
    for (const char* arguments : {R"(not json)", R"([1,2])", R"(\"text\")"}) {
        const std::string body = std::string(R"({"model":"m","messages":[{"role":"assistant","tool_calls":[)") +
                                 R"({"id":"c","type":"function","function":{"name":"f","arguments":")" + arguments +
                                 R"("}}]}]})";
        EXPECT_EQ(refused(body).param, "messages[0].tool_calls[0].function.arguments") << arguments;
    }
}

TEST(AnthropicRequest, MergesConsecutiveMessagesOfARole) {
    const json request = translated_json(R"({"model":"m","messages":[{"role":"user","content":"a"},
        {"role":"user","content":[{"type":"text","text":"b"}]},{"role":"assistant","content":"c"},
        {"role":"assistant","content":""},{"role":"assistant","content":"d"}]})");
    EXPECT_EQ(request["messages"], json::parse(R"([
        {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
        {"role":"assistant","content":[{"type":"text","text":"c"},{"type":"text","text":"d"}]}])"));
}

TEST(AnthropicRequest, NeedsAUserOrAssistantMessage) {
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"system","content":"s"}]})").param, "messages");
    EXPECT_EQ(refused(R"({"model":"m"})").code, "missing_required_parameter");
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"narrator","content":"x"}]})").param, "messages[0].role");
    const std::string long_role(10000, 'r');  // quoted in the message, but not all of it
    EXPECT_LT(refused(R"({"model":"m","messages":[{"role":")" + long_role + R"(","content":"x"}]})").message.size(), 200u);
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"function","name":"f","content":"x"}]})").code,
              "unsupported_value");
}

TEST(AnthropicRequest, ToolsAndToolChoice) {
    const json request = translated_json(R"({"model":"m","messages":[{"role":"user","content":"x"}],
        "tools":[{"type":"function","function":{"name":"weather","description":"Weather now",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                 {"type":"function","function":{"name":"now"}}],
        "tool_choice":{"type":"function","function":{"name":"weather"}},"parallel_tool_calls":false})");
    EXPECT_EQ(request["tools"], json::parse(R"([
        {"name":"weather","description":"Weather now",
         "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
        {"name":"now","input_schema":{"type":"object","properties":{}}}])"));
    EXPECT_EQ(request["tool_choice"], json::parse(R"({"type":"tool","name":"weather","disable_parallel_tool_use":true})"));
}

TEST(AnthropicRequest, ToolChoiceModes) {
    auto choice = [](std::string_view value) {
        const std::string body = std::string(R"({"model":"m","messages":[{"role":"user","content":"x"}],)") +
                                 R"("tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":)" +
                                 std::string(value) + "}";
        return translated_json(body)["tool_choice"];
    };
    EXPECT_EQ(choice(R"("auto")"), json::parse(R"({"type":"auto"})"));
    EXPECT_EQ(choice(R"("none")"), json::parse(R"({"type":"none"})"));
    EXPECT_EQ(choice(R"("required")"), json::parse(R"({"type":"any"})"));
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"})").param,
              "tool_choice");
    EXPECT_EQ(refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
                      R"("tools":[{"type":"custom","custom":{"name":"g"}}]})").param, "tools[0].type");
}

TEST(AnthropicRequest, StreamAndItsUsageOption) {
    const MessagesRequest request = translated(R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
                                               R"("stream":true,"stream_options":{"include_usage":true}})");
    EXPECT_TRUE(request.stream);
    EXPECT_TRUE(request.include_usage);
    const json body = json::parse(request.body);
    EXPECT_EQ(body["stream"], true);
    EXPECT_FALSE(body.contains("stream_options"));
}

TEST(AnthropicRequest, RefusesWhatAnthropicCannotDo) {
    const std::string messages = R"("messages":[{"role":"user","content":"x"}])";
    for (const char* field : {R"("n":2)", R"("logprobs":true)", R"("top_logprobs":3)",
                              R"("response_format":{"type":"json_object"})", R"("functions":[])",
                              R"("temperature":1.5)", R"("stop":[1])"}) {
        const std::string body = "{" + messages + "," + field + "}";
        const api::Error error = refused(body);
        EXPECT_EQ(error.status, 400u) << field;
        EXPECT_FALSE(error.param.empty()) << field;
    }
}

TEST(AnthropicRequest, DropsWhatOnlyTunesOrLabelsAndPassesAnthropicExtensions) {
    const json request = translated_json(R"({"model":"m","messages":[{"role":"user","content":"x","name":"ann"}],
        "seed":7,"presence_penalty":0.5,"logit_bias":{"1":2},"store":true,"n":1,"logprobs":false,
        "response_format":{"type":"text"},"user":"user-42","top_k":40,
        "thinking":{"type":"enabled","budget_tokens":2048}})");
    EXPECT_EQ(request, json::parse(R"({"model":"claude-sonnet-4-5","max_tokens":1024,
        "messages":[{"role":"user","content":"x"}],"top_k":40,
        "thinking":{"type":"enabled","budget_tokens":2048},"metadata":{"user_id":"user-42"}})"));
}

TEST(AnthropicRequest, CacheControlOnAPartPassesThrough) {
    const json request = translated_json(R"({"model":"m","messages":[
        {"role":"system","content":[{"type":"text","text":"Long manual...","cache_control":{"type":"ephemeral"}}]},
        {"role":"user","content":[{"type":"text","text":"Q","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]})");
    EXPECT_EQ(request["system"], json::parse(R"([{"type":"text","text":"Long manual...","cache_control":{"type":"ephemeral"}}])"));
    EXPECT_EQ(request["messages"][0]["content"],
              json::parse(R"([{"type":"text","text":"Q","cache_control":{"type":"ephemeral","ttl":"1h"}}])"));
}

TEST(AnthropicRequest, RefusesBodiesThatAreNotJsonObjects) {
    EXPECT_EQ(refused("[]").status, 400u);
    EXPECT_EQ(refused("{").code, "invalid_json");
    EXPECT_EQ(refused(std::string(500, '[') + std::string(500, ']')).code, "invalid_json");
}

}  // namespace
}  // namespace infergate::transform::anthropic
