// A merged policy applied to one request context: the order, the untouched common path, and
// ctx.request kept in step with a rewritten body.
#include "infergate/stages/policy/apply.hpp"

#include <gtest/gtest.h>

#include "infergate/config/snapshot.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::policy {
namespace {

using observability::PolicyKind;

class ApplyPolicyTest : public ::testing::Test {
protected:
    void SetUp() override {
        config::LoadResult loaded = config::testing::load(config::testing::minimal_routes);
        ASSERT_TRUE(loaded.ok());
        snapshot_ = build_snapshot(std::move(*loaded.config), 1, metrics_).snapshot;
    }
    // A context holding `body` as the session would: parsed once before the pipeline.
    std::unique_ptr<pipeline::RequestContext> context(std::string body,
                                                      api::Endpoint endpoint = api::Endpoint::chat_completions) {
        auto ctx = std::make_unique<pipeline::RequestContext>(*snapshot_, headers_);
        ctx->endpoint = endpoint;
        ctx->body = std::move(body);
        ctx->request = std::get<api::ProxyRequest>(api::parse_proxy_request(ctx->body, endpoint));
        return ctx;
    }
    std::optional<api::Error> apply(const config::Policy& policy, pipeline::RequestContext& ctx) {
        acted_.clear();
        return apply_policy(policy, ctx, [this](PolicyKind kind) { acted_.push_back(kind); });
    }

    observability::Metrics metrics_;
    SnapshotPtr snapshot_;
    http::request_header<> headers_;
    std::vector<PolicyKind> acted_;
};

TEST_F(ApplyPolicyTest, NothingToDoLeavesTheBodyAlone) {
    config::Policy policy;
    policy.max_tokens_cap = 100;  // already satisfied: no parse, no rewrite
    auto ctx = context(R"({"model":"m", "max_tokens": 50, "messages":[]})");
    const char* before = ctx->body.data();
    EXPECT_FALSE(apply(policy, *ctx));
    EXPECT_EQ(ctx->body.data(), before);
    EXPECT_TRUE(acted_.empty());
}

TEST_F(ApplyPolicyTest, RewritesInOrderAndReReadsTheRequest) {
    config::Policy policy;
    policy.redact = {{.builtin = config::BuiltinPattern::email, .pattern = nullptr, .replacement = "[EMAIL]"}};
    // The operator's own text comes after redaction, so it is never redacted.
    policy.system_prompts = {{.text = "ops@example.com", .mode = config::SystemPromptMode::prepend}};
    policy.defaults = nlohmann::ordered_json{{"max_tokens", 5000}};
    policy.max_tokens_cap = 100;  // after defaults: a default cannot lift the cap
    policy.add_headers = {{"x-team", "blue"}};
    auto ctx = context(R"({"model":"m","messages":[{"role":"user","content":"me@example.com"}]})");
    EXPECT_FALSE(apply(policy, *ctx));
    EXPECT_EQ(ctx->body,
              R"({"model":"m","messages":[{"role":"system","content":"ops@example.com"},)"
              R"({"role":"user","content":"[EMAIL]"}],"max_tokens":100})");
    EXPECT_EQ(ctx->request.max_tokens, 100);
    EXPECT_EQ(ctx->request.model_token, R"("m")");
    EXPECT_EQ(ctx->request.model_token.data(), ctx->body.data() + 9);  // a view into the new body
    EXPECT_EQ(ctx->extra_upstream_headers, "x-team: blue\r\n");
    EXPECT_TRUE(ctx->drops_upstream_header("X-Team"));
    EXPECT_EQ(acted_, (std::vector<PolicyKind>{PolicyKind::redact, PolicyKind::system_prompt, PolicyKind::defaults,
                                               PolicyKind::max_tokens_cap, PolicyKind::headers}));
}

TEST_F(ApplyPolicyTest, CapsTheOtherLimitWhenBothAreSent) {
    config::Policy policy;
    policy.max_tokens_cap = 100;
    auto ctx = context(R"({"model":"m","max_tokens":5000,"max_completion_tokens":10,"messages":[]})");
    EXPECT_FALSE(apply(policy, *ctx));
    EXPECT_EQ(ctx->body, R"({"model":"m","max_tokens":100,"max_completion_tokens":10,"messages":[]})");
}

TEST_F(ApplyPolicyTest, DenyComesBeforeThePromptSizeAndRewritesNothing) {
    config::Policy policy;
    policy.deny = {std::make_shared<const std::regex>("secret", std::regex_constants::__polynomial)};
    policy.max_prompt_tokens = 1;
    policy.add_headers = {{"x-team", "blue"}};
    auto denied = context(R"({"model":"m","messages":[{"role":"user","content":"the secret"}]})");
    const auto refusal = apply(policy, *denied);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->code, "content_policy");
    EXPECT_EQ(refusal->message.find("secret"), std::string::npos);
    EXPECT_TRUE(denied->extra_upstream_headers.empty());

    auto big = context(R"({"model":"m","messages":[{"role":"user","content":"hello there"}]})");
    const auto too_long = apply(policy, *big);
    ASSERT_TRUE(too_long);
    EXPECT_EQ(too_long->code, "context_length_exceeded");
    EXPECT_EQ(too_long->param, "messages");
    // 66 body bytes / 4 + 1, as quota estimates it.
    EXPECT_EQ(too_long->message, "This request's prompt is about 17 tokens; the limit for this model is 1.");
    EXPECT_EQ(acted_, std::vector<PolicyKind>{PolicyKind::max_prompt_tokens});
}

TEST_F(ApplyPolicyTest, EmbeddingsInputIsRedactedAndNeverCapped) {
    config::Policy policy;
    policy.redact = {{.builtin = config::BuiltinPattern::ipv4, .pattern = nullptr, .replacement = "[IP]"}};
    policy.max_tokens_cap = 10;
    auto ctx = context(R"({"model":"m","input":["host 10.1.2.3"]})", api::Endpoint::embeddings);
    EXPECT_FALSE(apply(policy, *ctx));
    EXPECT_EQ(ctx->body, R"({"model":"m","input":["host [IP]"]})");
}

}  // namespace
}  // namespace infergate::policy
