#include "infergate/stages/transform/messages_ingress_request.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace infergate::transform::messages_ingress {
namespace {

using nlohmann::json;

ChatRequest translated(std::string_view body) {
    auto result = translate_request(body);
    EXPECT_TRUE(std::holds_alternative<ChatRequest>(result))
        << (std::holds_alternative<api::Error>(result) ? std::get<api::Error>(result).message : "");
    return std::holds_alternative<ChatRequest>(result) ? std::get<ChatRequest>(result) : ChatRequest{};
}

json translated_json(std::string_view body) { return json::parse(translated(body).openai_body); }

// A request around `messages` (a JSON array) and `extra` members.
std::string request(std::string_view messages, std::string_view extra = "") {
    return std::string(R"({"model":"claude-x","max_tokens":100,"messages":)") + std::string(messages) +
           std::string(extra) + "}";
}

json messages_of(std::string_view messages, std::string_view extra = "") {
    return translated_json(request(messages, extra))["messages"];
}

api::Error refused(std::string_view body) {
    auto result = translate_request(body);
    EXPECT_TRUE(std::holds_alternative<api::Error>(result)) << body;
    return std::holds_alternative<api::Error>(result) ? std::get<api::Error>(result) : api::Error{};
}

TEST(MessagesIngressRequest, TranslatesASimpleRequestInAStableOrder) {
    const ChatRequest chat = translated(
        R"({"model":"claude-x","max_tokens":100,"system":"Be brief.","messages":[{"role":"user","content":"Hi"}],)"
        R"("temperature":0.5,"top_k":5,"stop_sequences":["END"]})");
    EXPECT_EQ(chat.openai_body,
              R"({"model":"claude-x","messages":[{"role":"system","content":"Be brief."},)"
              R"({"role":"user","content":"Hi"}],"max_tokens":100,"stop":["END"],"temperature":0.5})");
    EXPECT_EQ(chat.model, "claude-x");
    EXPECT_EQ(chat.max_tokens, 100);
    EXPECT_FALSE(chat.stream);
}

TEST(MessagesIngressRequest, AStreamAlwaysAsksForUsage) {
    const ChatRequest chat = translated(request(R"([{"role":"user","content":"x"}])", R"(,"stream":true)"));
    EXPECT_TRUE(chat.stream);
    const json body = json::parse(chat.openai_body);
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["stream_options"], json({{"include_usage", true}}));
    EXPECT_FALSE(translated_json(request(R"([{"role":"user","content":"x"}])", R"(,"stream":false)"))
                     .contains("stream_options"));
}

TEST(MessagesIngressRequest, RequiredFieldsAndTypesAre400sWithTheirParam) {
    EXPECT_EQ(refused("{").code, "invalid_json");
    EXPECT_EQ(refused("[]").param, "body");
    EXPECT_EQ(refused(R"({"model":"m","messages":[]})").param, "max_tokens");
    EXPECT_EQ(refused(R"({"model":"m","messages":[]})").code, "missing_required_parameter");
    EXPECT_EQ(refused(R"({"max_tokens":1,"messages":[]})").param, "model");
    EXPECT_EQ(refused(R"({"model":"m","max_tokens":0,"messages":[]})").param, "max_tokens");
    EXPECT_EQ(refused(R"({"model":"m","max_tokens":1.5,"messages":[]})").param, "max_tokens");
    EXPECT_EQ(refused(R"({"model":"m","max_tokens":1})").param, "messages");
    EXPECT_EQ(refused(request("[]")).param, "messages");
    EXPECT_EQ(refused(request(R"([{"role":"system","content":"x"}])")).param, "messages[0].role");
    EXPECT_EQ(refused(request(R"([{"role":"user","content":5}])")).param, "messages[0].content");
    EXPECT_EQ(refused(request(R"([{"role":"user","content":[{"type":"text"}]}])")).param,
              "messages[0].content[0].text");
    EXPECT_EQ(refused(request(R"([{"role":"user","content":"x"}])", R"(,"temperature":"hot")")).param, "temperature");
    EXPECT_EQ(refused(request(R"([{"role":"user","content":"x"}])", R"(,"stop_sequences":"END")")).param,
              "stop_sequences");
    EXPECT_EQ(refused(request(R"([{"role":"user","content":"x"}])", R"(,"system":[{"type":"image"}])")).param,
              "system[0].type");
}

TEST(MessagesIngressRequest, SystemBlocksAreJoinedIntoOneLeadingMessage) {
    const json messages = messages_of(R"([{"role":"user","content":"x"}])",
                                      R"(,"system":[{"type":"text","text":"One."},{"type":"text","text":""},)"
                                      R"({"type":"text","text":"Two.","cache_control":{"type":"ephemeral"}}])");
    EXPECT_EQ(messages[0], json({{"role", "system"}, {"content", "One.\n\nTwo."}}));
    EXPECT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages_of(R"([{"role":"user","content":"x"}])", R"(,"system":"")").size(), 1u);
}

TEST(MessagesIngressRequest, ImagesBecomeImageUrlParts) {
    const json messages = messages_of(
        R"([{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x.test/a.png"}},)"
        R"({"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4A=="}},)"
        R"({"type":"text","text":"Same?"}]}])");
    EXPECT_EQ(messages[0]["content"],
              json::parse(R"([{"type":"image_url","image_url":{"url":"https://x.test/a.png"}},)"
                          R"({"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4A=="}},)"
                          R"({"type":"text","text":"Same?"}])"));
    const api::Error file = refused(
        request(R"([{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}])"));
    EXPECT_EQ(file.param, "messages[0].content[0].source.type");
    EXPECT_EQ(file.code, "unsupported_value");
    EXPECT_EQ(refused(request(R"([{"role":"user","content":[{"type":"document","source":{}}]}])")).code,
              "unsupported_value");
    EXPECT_EQ(refused(request(R"([{"role":"assistant","content":[{"type":"image","source":{}}]}])")).param,
              "messages[0].content[0].type");
}

TEST(MessagesIngressRequest, ToolUseBecomesToolCallsAndThinkingIsDropped) {
    const json messages = messages_of(
        R"([{"role":"user","content":"x"},{"role":"assistant","content":[)"
        R"({"type":"thinking","thinking":"hm","signature":"sig"},{"type":"redacted_thinking","data":"abc"},)"
        R"({"type":"text","text":"A"},{"type":"text","text":"B"},)"
        R"({"type":"tool_use","id":"toolu_1","name":"f","input":{"a":[1,"é"]}},)"
        R"({"type":"tool_use","id":"toolu_2","name":"g"}]}])");
    EXPECT_EQ(messages[1], json::parse(R"({"role":"assistant","content":"AB","tool_calls":[)"
                                       R"({"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{\"a\":[1,\"é\"]}"}},)"
                                       R"({"id":"toolu_2","type":"function","function":{"name":"g","arguments":"{}"}}]})"));
    // Only tool calls: content null, as OpenAI writes it.
    EXPECT_EQ(messages_of(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}])")[0]["content"],
              nullptr);
    // A turn that only thought is left out.
    EXPECT_EQ(messages_of(R"([{"role":"user","content":"x"},{"role":"assistant","content":[)"
                          R"({"type":"thinking","thinking":"hm","signature":"s"}]},{"role":"user","content":"y"}])")
                  .size(),
              2u);
    EXPECT_EQ(refused(request(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":[]}]}])")).param,
              "messages[0].content[0].input");
    EXPECT_EQ(refused(request(R"([{"role":"assistant","content":[{"type":"server_tool_use","id":"s","name":"web_search"}]}])")).code,
              "unsupported_value");
}

TEST(MessagesIngressRequest, ToolResultsComeFirstAsToolMessages) {
    const json messages = messages_of(
        R"([{"role":"user","content":[{"type":"text","text":"And?"},)"
        R"({"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},)"
        R"({"type":"tool_result","tool_use_id":"t2","content":"boom","is_error":true},)"
        R"({"type":"tool_result","tool_use_id":"t3"}]}])");
    EXPECT_EQ(messages, json::parse(R"([{"role":"tool","tool_call_id":"t1","content":"a\nb"},)"
                                    R"({"role":"tool","tool_call_id":"t2","content":"Error: boom"},)"
                                    R"({"role":"tool","tool_call_id":"t3","content":""},)"
                                    R"({"role":"user","content":"And?"}])"));
}

TEST(MessagesIngressRequest, ImagesInAToolResultMoveToTheUserMessageAfterIt) {
    const json messages = messages_of(
        R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[)"
        R"({"type":"text","text":"screenshot"},{"type":"image","source":{"type":"url","url":"https://x.test/s.png"}}]}]}])");
    EXPECT_EQ(messages, json::parse(R"([{"role":"tool","tool_call_id":"t1","content":"screenshot"},)"
                                    R"({"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x.test/s.png"}}]}])"));
    EXPECT_EQ(refused(request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"document"}]}]}])")).param,
              "messages[0].content[0].content[0].type");
}

TEST(MessagesIngressRequest, ToolsAndToolChoice) {
    const std::string tools = R"(,"tools":[{"name":"f","description":"F.","input_schema":{"type":"object"}},)"
                              R"({"type":"custom","name":"g","input_schema":{"type":"object","properties":{}}}])";
    const json body = translated_json(request(R"([{"role":"user","content":"x"}])", tools));
    EXPECT_EQ(body["tools"], json::parse(R"([{"type":"function","function":{"name":"f","description":"F.","parameters":{"type":"object"}}},)"
                                         R"({"type":"function","function":{"name":"g","parameters":{"type":"object","properties":{}}}}])"));
    EXPECT_FALSE(body.contains("tool_choice"));
    auto choice = [&](std::string_view tool_choice) {
        return translated_json(request(R"([{"role":"user","content":"x"}])", tools + ",\"tool_choice\":" + std::string(tool_choice)));
    };
    EXPECT_EQ(choice(R"({"type":"auto"})")["tool_choice"], "auto");
    EXPECT_EQ(choice(R"({"type":"any"})")["tool_choice"], "required");
    EXPECT_EQ(choice(R"({"type":"none"})")["tool_choice"], "none");
    EXPECT_EQ(choice(R"({"type":"tool","name":"g"})")["tool_choice"], json::parse(R"({"type":"function","function":{"name":"g"}})"));
    EXPECT_EQ(choice(R"({"type":"auto","disable_parallel_tool_use":true})")["parallel_tool_calls"], false);
    EXPECT_FALSE(choice(R"({"type":"none","disable_parallel_tool_use":true})").contains("parallel_tool_calls"));
    EXPECT_EQ(refused(request(R"([{"role":"user","content":"x"}])", tools + R"(,"tool_choice":{"type":"tool"})")).param,
              "tool_choice.name");
    EXPECT_EQ(refused(request(R"([{"role":"user","content":"x"}])", tools + R"(,"tool_choice":{"type":"maybe"})")).param,
              "tool_choice.type");
    const api::Error server = refused(request(R"([{"role":"user","content":"x"}])",
                                              R"(,"tools":[{"type":"web_search_20250305","name":"web_search"}])"));
    EXPECT_EQ(server.param, "tools[0].type");
    EXPECT_EQ(server.code, "unsupported_value");
    EXPECT_EQ(refused(request(R"([{"role":"user","content":"x"}])", R"(,"tools":[{"name":"f"}])")).param,
              "tools[0].input_schema");
}

TEST(MessagesIngressRequest, MetadataUserIdBecomesUser) {
    EXPECT_EQ(translated_json(request(R"([{"role":"user","content":"x"}])", R"(,"metadata":{"user_id":"u-1"})"))["user"], "u-1");
    EXPECT_FALSE(translated_json(request(R"([{"role":"user","content":"x"}])", R"(,"metadata":{})")).contains("user"));
}

}  // namespace
}  // namespace infergate::transform::messages_ingress
