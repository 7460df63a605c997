// Each policy's pure function over a parsed body, one by one.
#include <gtest/gtest.h>

#include "infergate/stages/policy/deny.hpp"
#include "infergate/stages/policy/merge.hpp"
#include "infergate/stages/policy/redact.hpp"
#include "infergate/stages/policy/request_fields.hpp"
#include "infergate/stages/policy/system_prompt.hpp"

namespace infergate::policy {
namespace {

using api::Endpoint;
using config::BuiltinPattern;

config::PatternPtr regex(const char* text) {
    return std::make_shared<const std::regex>(text, std::regex::ECMAScript | std::regex_constants::__polynomial);
}

std::string redacted(std::string text, BuiltinPattern builtin) {
    redact_text(text, config::RedactRule{.builtin = builtin, .pattern = nullptr, .replacement = "#"});
    return text;
}

TEST(PolicyDeny, MatchesStringAndTextPartsOnly) {
    Json body = Json::parse(R"({"messages":[{"role":"user","content":"hello"},
        {"role":"user","content":[{"type":"image_url","image_url":{"url":"forbidden"}},{"type":"text","text":"a FORBIDDEN word"}]}]})");
    EXPECT_FALSE(matches_deny(body, Endpoint::chat_completions, {regex("nothing")}));
    EXPECT_TRUE(matches_deny(body, Endpoint::chat_completions, {regex("nothing"), regex("FORBIDDEN")}));
    Json image_only = Json::parse(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"forbidden"}}]}]})");
    EXPECT_FALSE(matches_deny(image_only, Endpoint::chat_completions, {regex("forbidden")}));
}

TEST(PolicyDeny, CompletionsPromptAndEmbeddingsInput) {
    Json prompt = Json::parse(R"({"prompt":["fine","bad apple"]})");
    EXPECT_TRUE(matches_deny(prompt, Endpoint::completions, {regex("bad")}));
    Json input = Json::parse(R"({"input":"bad"})");
    EXPECT_TRUE(matches_deny(input, Endpoint::embeddings, {regex("^bad$")}));
    EXPECT_FALSE(matches_deny(input, Endpoint::completions, {regex("bad")}));  // no prompt field
    const api::Error error = content_policy_error();
    EXPECT_EQ(error.status, 400u);
    EXPECT_EQ(error.code, "content_policy");
}

TEST(PolicyDeny, LongTextDoesNotExhaustTheStack) {
    Json body{{"prompt", std::string(200'000, 'a') + "b"}};
    EXPECT_TRUE(matches_deny(body, Endpoint::completions, {regex("a+b")}));
}

TEST(PolicyRedact, BuiltinPatterns) {
    struct Case {
        const char* text;
        BuiltinPattern builtin;
        const char* expected;
    };
    const Case cases[] = {
        {"mail jane.doe+x@mail.example.com.", BuiltinPattern::email, "mail #."},
        {"a@b c@d.e f@g.hi", BuiltinPattern::email, "a@b c@d.e #"},
        {"@home and x@", BuiltinPattern::email, "@home and x@"},
        {"card 4111 1111 1111 1111 ok", BuiltinPattern::credit_card, "card # ok"},
        {"4111-1111-1111-1111", BuiltinPattern::credit_card, "#"},
        {"order 4111111111111112", BuiltinPattern::credit_card, "order 4111111111111112"},  // fails Luhn
        {"id 41111111111111110000000", BuiltinPattern::credit_card, "id 41111111111111110000000"},
        {"x4111111111111111", BuiltinPattern::credit_card, "x4111111111111111"},
        {"from 10.0.0.1, to 192.168.1.255.", BuiltinPattern::ipv4, "from #, to #."},
        {"v1.2.3.4.5 256.1.1.1 1.2.3", BuiltinPattern::ipv4, "v1.2.3.4.5 256.1.1.1 1.2.3"},
        // Runs that stop short at the very end of the text (ASan once caught a read past it).
        {"1.2.3", BuiltinPattern::ipv4, "1.2.3"},
        {"1.2.3.", BuiltinPattern::ipv4, "1.2.3."},
        {"9.9", BuiltinPattern::ipv4, "9.9"},
        {"at 1.2.3.4", BuiltinPattern::ipv4, "at #"},
    };
    for (const Case& c : cases) EXPECT_EQ(redacted(c.text, c.builtin), c.expected) << c.text;
}

TEST(PolicyRedact, RegexRulesAndCount) {
    Json body = Json::parse(R"({"messages":[{"role":"user","content":"k secret-12 and secret-3, a@b.io"}]})");
    const std::vector<config::RedactRule> rules = {
        {.builtin = BuiltinPattern::none, .pattern = regex("secret-[0-9]+"), .replacement = "***"},
        {.builtin = BuiltinPattern::email, .pattern = nullptr, .replacement = "[EMAIL]"}};
    EXPECT_EQ(redact(body, Endpoint::chat_completions, rules), 3u);
    EXPECT_EQ(body["messages"][0]["content"], "k *** and ***, [EMAIL]");
}

TEST(PolicySystemPrompt, Modes) {
    const Json original = Json::parse(R"({"messages":[{"role":"system","content":"mine"},{"role":"user","content":"q"}]})");
    Json body = original;
    EXPECT_TRUE(apply_system_prompt(body, {.text = "ops", .mode = config::SystemPromptMode::prepend}));
    EXPECT_EQ(body["messages"].size(), 3u);
    EXPECT_EQ(body["messages"][0]["content"], "ops");
    body = original;
    EXPECT_TRUE(apply_system_prompt(body, {.text = "ops", .mode = config::SystemPromptMode::replace}));
    EXPECT_EQ(body["messages"].dump(), R"([{"role":"system","content":"ops"},{"role":"user","content":"q"}])");
    body = original;
    EXPECT_FALSE(apply_system_prompt(body, {.text = "ops", .mode = config::SystemPromptMode::if_missing}));
    Json bare = Json::parse(R"({"messages":[{"role":"user","content":"q"}]})");
    EXPECT_TRUE(apply_system_prompt(bare, {.text = "ops", .mode = config::SystemPromptMode::if_missing}));
    EXPECT_EQ(bare["messages"][0]["role"], "system");
}

// Anthropic's Messages API (/v1/messages) goes through the same policies: its top-level
// system prompt and text blocks are prompt text, and it has a system prompt of its own.
TEST(PolicyMessagesApi, DenyAndRedactSeeTheSystemPromptAndTextBlocks) {
    Json body = Json::parse(R"({"system":[{"type":"text","text":"mail a@b.example"}],
        "messages":[{"role":"user","content":[{"type":"text","text":"FORBIDDEN"}]}]})");
    EXPECT_TRUE(matches_deny(body, Endpoint::messages, {regex("FORBIDDEN")}));
    Json system_only = Json::parse(R"({"system":"FORBIDDEN","messages":[{"role":"user","content":"q"}]})");
    EXPECT_TRUE(matches_deny(system_only, Endpoint::messages, {regex("FORBIDDEN")}));
    EXPECT_GT(redact(body, Endpoint::messages,
                     {config::RedactRule{.builtin = BuiltinPattern::email, .pattern = nullptr, .replacement = "#"}}),
              0u);
    EXPECT_EQ(body["system"][0]["text"], "mail #");
}

TEST(PolicyMessagesApi, SystemPromptModes) {
    Json body = Json::parse(R"({"system":"mine","messages":[]})");
    EXPECT_TRUE(apply_messages_system_prompt(body, {.text = "ops", .mode = config::SystemPromptMode::prepend}));
    EXPECT_EQ(body["system"], "ops\n\nmine");
    Json blocks = Json::parse(R"({"system":[{"type":"text","text":"mine"}],"messages":[]})");
    EXPECT_TRUE(apply_messages_system_prompt(blocks, {.text = "ops", .mode = config::SystemPromptMode::prepend}));
    EXPECT_EQ(blocks["system"][0]["text"], "ops");
    EXPECT_EQ(blocks["system"][1]["text"], "mine");
    EXPECT_TRUE(apply_messages_system_prompt(blocks, {.text = "ops", .mode = config::SystemPromptMode::replace}));
    EXPECT_EQ(blocks["system"], "ops");
    EXPECT_FALSE(apply_messages_system_prompt(blocks, {.text = "x", .mode = config::SystemPromptMode::if_missing}));
    Json bare = Json::parse(R"({"messages":[]})");
    EXPECT_TRUE(apply_messages_system_prompt(bare, {.text = "ops", .mode = config::SystemPromptMode::if_missing}));
    EXPECT_EQ(bare["system"], "ops");
}

TEST(PolicyFields, DefaultsOnlyFillGaps) {
    Json body = Json::parse(R"({"temperature":1.0,"top_p":null})");
    EXPECT_TRUE(apply_defaults(body, Json::parse(R"({"temperature":0.2,"top_p":0.9,"seed":1})")));
    EXPECT_EQ(body.dump(), R"({"temperature":1.0,"top_p":0.9,"seed":1})");
    EXPECT_FALSE(apply_defaults(body, Json::parse(R"({"seed":2})")));
}

TEST(PolicyFields, OverridesAlwaysWin) {
    Json body = Json::parse(R"({"temperature":1.0})");
    EXPECT_TRUE(apply_overrides(body, Json::parse(R"({"temperature":0})")));
    EXPECT_EQ(body["temperature"], 0);
    EXPECT_FALSE(apply_overrides(body, Json::parse(R"({"temperature":0})")));
}

TEST(PolicyFields, MaxTokensCap) {
    Json body = Json::parse(R"({"max_tokens":4000,"max_completion_tokens":10})");
    EXPECT_TRUE(apply_max_tokens_cap(body, Endpoint::chat_completions, 100));
    EXPECT_EQ(body.dump(), R"({"max_tokens":100,"max_completion_tokens":10})");
    EXPECT_FALSE(apply_max_tokens_cap(body, Endpoint::chat_completions, 100));
    Json absent = Json::object();
    EXPECT_TRUE(apply_max_tokens_cap(absent, Endpoint::completions, 100));
    EXPECT_EQ(absent.dump(), R"({"max_tokens":100})");
    Json embeddings = Json::object();
    EXPECT_FALSE(apply_max_tokens_cap(embeddings, Endpoint::embeddings, 100));
}

TEST(PolicyMerge, KeyTightensAndAdds) {
    config::Policy model;
    model.max_tokens_cap = 100;
    model.defaults = Json::parse(R"({"temperature":0.2,"seed":1})");
    model.deny = {regex("a")};
    model.add_headers = {{"x-team", "m"}};
    config::Policy key;
    key.max_tokens_cap = 500;
    key.max_prompt_tokens = 30;
    key.defaults = Json::parse(R"({"temperature":0.7})");
    key.deny = {regex("b")};
    key.add_headers = {{"x-team", "k"}, {"x-key", "1"}};
    const config::Policy merged = merge(model, key);
    EXPECT_EQ(merged.max_tokens_cap, 100);   // a key cannot loosen the model's cap
    EXPECT_EQ(merged.max_prompt_tokens, 30);
    EXPECT_EQ(merged.defaults.dump(), R"({"temperature":0.7,"seed":1})");
    EXPECT_EQ(merged.deny.size(), 2u);
    ASSERT_EQ(merged.add_headers.size(), 2u);
    EXPECT_EQ(merged.add_headers[0].second, "k");
}

}  // namespace
}  // namespace infergate::policy
