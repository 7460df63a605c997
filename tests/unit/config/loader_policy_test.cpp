// The policies sections under models and keys: what they read, and the exact messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using testing::load;

const std::string kHash = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

std::string model_with(const std::string& policies) {
    return "backends:\n  b: { url: \"http://h\" }\nmodels:\n  m:\n    targets: [ { backend: b } ]\n    policies:\n" +
           policies;
}

TEST(PolicyConfig, ReadsEveryKeyOfAModelPolicy) {
    const LoadResult result = load(model_with(R"(      defaults: { temperature: 0.2, top_p: 1, user: "7", stop: [a] }
      overrides: { logprobs: false }
      max_tokens_cap: 512
      max_prompt_tokens: 1000
      system_prompt: { text: "Be nice.", mode: if_missing }
      headers: { add: { X-Team: blue }, remove: [x-debug] }
      deny: ["(?:ignore|disregard) previous instructions"]
      redact: [email, { builtin: credit_card, replacement: "<card>" }, { pattern: "secret-[0-9]+" }]
)"));
    ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0]);
    const Policy& policy = result.config->models.at("m").policies;
    EXPECT_EQ(policy.defaults.dump(), R"({"temperature":0.2,"top_p":1,"user":"7","stop":["a"]})");
    EXPECT_EQ(policy.overrides.dump(), R"({"logprobs":false})");
    EXPECT_EQ(policy.max_tokens_cap, 512);
    EXPECT_EQ(policy.max_prompt_tokens, 1000);
    ASSERT_EQ(policy.system_prompts.size(), 1u);
    EXPECT_EQ(policy.system_prompts[0].mode, SystemPromptMode::if_missing);
    ASSERT_EQ(policy.add_headers.size(), 1u);
    EXPECT_EQ(policy.add_headers[0].first, "x-team");
    EXPECT_THAT(policy.remove_headers, ElementsAre("x-debug"));
    EXPECT_EQ(policy.deny.size(), 1u);
    ASSERT_EQ(policy.redact.size(), 3u);
    EXPECT_EQ(policy.redact[0].replacement, "[EMAIL]");
    EXPECT_EQ(policy.redact[1].replacement, "<card>");
    EXPECT_EQ(policy.redact[2].replacement, "[REDACTED]");
    EXPECT_TRUE(policy.redact[2].pattern != nullptr);
}

TEST(PolicyConfig, ReadsAKeyPolicy) {
    const LoadResult result = load(model_with("      max_tokens_cap: 100\n") + R"(auth:
  keys:
    - id: app
      sha256: ")" + kHash + R"("
      policies: { max_tokens_cap: 50 }
)");
    ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0]);
    EXPECT_EQ(result.config->auth.keys[0].policies.max_tokens_cap, 50);
}

TEST(PolicyConfig, InvalidRegexIsAnErrorAtItsPosition) {
    const LoadResult result = load(model_with("      deny: [\"(unclosed\"]\n"));
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_THAT(result.errors[0], ::testing::StartsWith("infergate.yaml:7:14: models.m.policies.deny[0]: invalid regular expression"));
}

TEST(PolicyConfig, BackReferencesAreRefused) {
    const LoadResult result = load(model_with("      deny: [\"(a)\\\\1\"]\n"));
    EXPECT_EQ(result.errors.size(), 1u);
}

TEST(PolicyConfig, RefusesGatewayHeadersAndReservedFields) {
    const LoadResult result = load(model_with(R"(      headers: { add: { Authorization: x, Host: y }, remove: [Content-Length, "bad name"] }
      overrides: { model: other, stream: true }
      system_prompt: { text: hi, mode: append }
      redact: [phone, { builtin: email, pattern: x }]
)"));
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:7:25: models.m.policies.headers.add.Authorization: \"Authorization\" is set or stripped by the gateway itself",
                            "infergate.yaml:7:43: models.m.policies.headers.add.Host: \"Host\" is set or stripped by the gateway itself",
                            "infergate.yaml:7:63: models.m.policies.headers.remove[0]: \"Content-Length\" is set or stripped by the gateway itself",
                            "infergate.yaml:7:79: models.m.policies.headers.remove[1]: not a valid header name",
                            "infergate.yaml:8:20: models.m.policies.overrides.model: \"model\" cannot be set by a policy",
                            "infergate.yaml:8:34: models.m.policies.overrides.stream: \"stream\" cannot be set by a policy",
                            "infergate.yaml:9:40: models.m.policies.system_prompt.mode: unknown mode \"append\" (expected prepend, replace or if_missing)",
                            "infergate.yaml:10:16: models.m.policies.redact[0]: unknown built-in pattern \"phone\" (expected email, credit_card or ipv4)",
                            "infergate.yaml:10:23: models.m.policies.redact[1]: needs exactly one of builtin or pattern"));
}

}  // namespace
}  // namespace infergate::config
