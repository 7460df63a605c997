// Where requests go, on real sockets: weighted splits between replicas, p2c_ewma steering
// away from a slow replica, canary shares and their stickiness, aliases, the "*" passthrough
// route and routing rules (headers, stream, prompt size, caller's key and tenant, model globs;
// the first match wins). Each replica
// is its own recording llm-mock, so "where it went" is what the mocks saw and which upstream
// model name the answer carries.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"
#include "support/http_client.hpp"
#include "support/replicas.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;

std::string chat(const std::string& model, const std::string& content = "hi", bool stream = false) {
    json body = {{"model", model}, {"messages", {{{"role", "user"}, {"content", content}}}}};
    if (stream) body["stream"] = true;
    return body.dump();
}

HttpResult send_chat(std::uint16_t port, const std::string& model, const Headers& headers = {}) {
    return post_json(port, "/v1/chat/completions", chat(model), headers);
}

TEST(Routing, WeightedSplitsRequestsExactlyByWeight) {
    auto heavy = start_replica();
    auto light = start_replica();
    TestGateway gateway(routing_config(backend_entry("heavy", *heavy) + backend_entry("light", *light), R"(
  chat:
    strategy: weighted
    targets:
      - { backend: heavy, model: up, weight: 3 }
      - { backend: light, model: up, weight: 1 }
)"));
    for (int i = 0; i < 400; ++i) ASSERT_EQ(send_chat(gateway.port(), "chat").status, 200) << "request " << i;
    EXPECT_EQ(requests_seen(*heavy), 300u);
    EXPECT_EQ(requests_seen(*light), 100u);
}

TEST(Routing, P2cEwmaSendsMostTrafficToTheFasterReplica) {
    auto fast = start_replica();
    llm_mock::Options slow_options;
    slow_options.ttft = std::chrono::milliseconds(200);
    auto slow = start_replica(slow_options);
    TestGateway gateway(routing_config(backend_entry("fast", *fast) + backend_entry("slow", *slow), R"(
  chat:
    strategy: p2c_ewma
    targets: [ { backend: fast, model: up }, { backend: slow, model: up } ]
)"));
    // Warm-up: until each replica has answered at least once, both look alike.
    for (int i = 0; i < 50 && requests_seen(*slow) == 0; ++i) {
        ASSERT_EQ(send_chat(gateway.port(), "chat").status, 200);
    }
    const std::size_t fast_before = requests_seen(*fast);
    const std::size_t slow_before = requests_seen(*slow);
    ASSERT_GE(slow_before, 1u) << "the slow replica was never tried, so nothing was learnt about it";

    const auto started = std::chrono::steady_clock::now();
    const std::vector<unsigned> statuses =
        send_from_threads(120, 4, [&](std::size_t) { return send_chat(gateway.port(), "chat").status; });
    for (const unsigned status : statuses) ASSERT_EQ(status, 200u);
    const std::size_t to_fast = requests_seen(*fast) - fast_before;
    const std::size_t to_slow = requests_seen(*slow) - slow_before;
    EXPECT_EQ(to_fast + to_slow, 120u);
    EXPECT_GT(to_fast, 120u * 7 / 10) << "fast " << to_fast << ", slow " << to_slow;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
}

// The canary's share of 2,000 callers, each with its own session: 20% within 3 points.
// "chat" (upstream name chat-v1 on `stable`) with 20% of callers on the canary "chat-next"
// (chat-v2 on `next`); `canary_extra` is added to the canary's mapping.
std::string canary_config(const llm_mock::MockServer& stable, const llm_mock::MockServer& next,
                          const std::string& canary_extra = "") {
    return routing_config(backend_entry("stable", stable) + backend_entry("next", next), R"(
  chat:
    targets: [ { backend: stable, model: chat-v1 } ]
    canary: { model: chat-next, percent: 20)" + canary_extra + R"( }
  chat-next:
    targets: [ { backend: next, model: chat-v2 } ]
)");
}

TEST(Routing, CanaryTakesItsShareOfSessions) {
    auto stable = start_replica();
    auto next = start_replica();
    TestGateway gateway(canary_config(*stable, *next));
    constexpr std::size_t kSessions = 2000;
    std::vector<std::string> models(kSessions);
    const std::vector<unsigned> statuses = send_from_threads(kSessions, 4, [&](std::size_t i) {
        const HttpResult result = send_chat(gateway.port(), "chat", {{"x-session-id", "session-" + std::to_string(i)}});
        models[i] = answered_model(result.body);
        return result.status;
    });
    std::size_t on_canary = 0;
    for (std::size_t i = 0; i < kSessions; ++i) {
        ASSERT_EQ(statuses[i], 200u) << "session " << i;
        ASSERT_TRUE(models[i] == "chat-v1" || models[i] == "chat-v2") << models[i];
        on_canary += models[i] == "chat-v2" ? 1 : 0;
    }
    EXPECT_EQ(requests_seen(*next), on_canary);
    EXPECT_EQ(requests_seen(*stable), kSessions - on_canary);
    EXPECT_GE(on_canary, kSessions * 17 / 100);
    EXPECT_LE(on_canary, kSessions * 23 / 100);
}

TEST(Routing, CanaryKeepsEachSessionOnOneSide) {
    auto stable = start_replica();
    auto next = start_replica();
    TestGateway gateway(canary_config(*stable, *next, ", sticky_header: x-user"));
    std::size_t sessions_on_canary = 0;
    for (int session = 0; session < 50; ++session) {
        const Headers headers = {{"x-user", "user-" + std::to_string(session)}};
        const std::string first = answered_model(send_chat(gateway.port(), "chat", headers).body);
        ASSERT_FALSE(first.empty());
        for (int again = 0; again < 5; ++again) {
            EXPECT_EQ(answered_model(send_chat(gateway.port(), "chat", headers).body), first)
                << "user-" << session << " switched sides";
        }
        sessions_on_canary += first == "chat-v2" ? 1 : 0;
    }
    // Both sides are in use (0.8^50 and 0.2^50 are nowhere near a real outcome).
    EXPECT_GT(sessions_on_canary, 0u);
    EXPECT_LT(sessions_on_canary, 50u);
    EXPECT_EQ(requests_seen(*next), sessions_on_canary * 6);
}

class RoutingRules : public ::testing::Test {
protected:
    void SetUp() override {
        upstream_ = start_replica();
        gateway_ = std::make_unique<TestGateway>(routing_config(backend_entry("up", *upstream_), R"(
  gpt-4o:
    targets: [ { backend: up, model: gpt-4o-2024-08-06 } ]
  gpt-4:
    alias: gpt-4o
  fast:
    targets: [ { backend: up, model: fast-upstream } ]
  streamer:
    targets: [ { backend: up, model: streamer-upstream } ]
  long-context:
    targets: [ { backend: up, model: long-upstream } ]
  "*":
    targets: [ { backend: up } ]
)",
                                                                 R"(
routing:
  rules:
    - name: priority
      match: { headers: { X-Priority: high } }
      model: fast
    - name: streams
      match: { stream: true }
      model: streamer
    - name: long-prompts
      match: { min_prompt_tokens: 1000 }
      model: long-context
)"));
    }

    // The model name the upstream received for a request, and the one the client was told.
    std::pair<std::string, std::string> routed(const std::string& body, const Headers& headers = {}) {
        upstream_->clear_requests();
        const HttpResult result = post_json(gateway_->port(), "/v1/chat/completions", body, headers);
        EXPECT_EQ(result.status, 200) << result.body;
        const auto seen = models_seen(*upstream_);
        EXPECT_EQ(seen.size(), 1u);
        std::string answered = answered_model(result.body);
        if (answered.empty()) {  // a stream: the model of its first chunk
            const auto events = sse_data(result.body);
            if (!events.empty()) answered = answered_model(events.front());
        }
        return {seen.empty() ? "" : seen.front(), answered};
    }

    std::unique_ptr<llm_mock::MockServer> upstream_;
    std::unique_ptr<TestGateway> gateway_;
};

TEST_F(RoutingRules, AnAliasSendsTheTargetsModelNameUpstream) {
    const auto [sent, answered] = routed(chat("gpt-4"));
    EXPECT_EQ(sent, "gpt-4o-2024-08-06");
    EXPECT_EQ(answered, "gpt-4o-2024-08-06");
}

TEST_F(RoutingRules, TheStarRoutePassesAnUnknownModelNameThroughUnchanged) {
    const auto [sent, answered] = routed(chat("my-local-llama-3"));
    EXPECT_EQ(sent, "my-local-llama-3");
    EXPECT_EQ(answered, "my-local-llama-3");
}

// Through "*", the served model is the client's own name: sent back only when it is a plain
// token, so a name with spaces or line breaks cannot shape the response head.
TEST_F(RoutingRules, TheStarRouteNamesTheServedModelOnlyWhenItIsAPlainToken) {
    const HttpResult plain = post_json(gateway_->port(), "/v1/chat/completions", chat("my-local-llama-3"));
    ASSERT_EQ(plain.status, 200u) << plain.body;
    EXPECT_EQ(plain.header("x-infergate-model"), "my-local-llama-3");
    const HttpResult odd =
        post_json(gateway_->port(), "/v1/chat/completions", chat("odd name\r\nx-injected: 1"));
    ASSERT_EQ(odd.status, 200u) << odd.body;
    EXPECT_EQ(odd.header("x-infergate-model"), "");
    EXPECT_EQ(odd.header("x-injected"), "");
    EXPECT_FALSE(odd.header("x-infergate-backend").empty());
}

TEST_F(RoutingRules, AHeaderRuleSendsMatchingRequestsToItsModel) {
    EXPECT_EQ(routed(chat("gpt-4"), {{"x-priority", "high"}}).first, "fast-upstream");
    EXPECT_EQ(routed(chat("my-local-llama-3"), {{"X-Priority", "high"}}).first, "fast-upstream");
    // Another value is no match.
    EXPECT_EQ(routed(chat("gpt-4"), {{"x-priority", "low"}}).first, "gpt-4o-2024-08-06");
}

TEST_F(RoutingRules, AStreamRuleTakesStreamedRequestsOnly) {
    const auto [sent, answered] = routed(chat("gpt-4", "hi", /*stream=*/true));
    EXPECT_EQ(sent, "streamer-upstream");
    EXPECT_EQ(answered, "streamer-upstream");
    EXPECT_EQ(routed(chat("gpt-4", "hi", /*stream=*/false)).first, "gpt-4o-2024-08-06");
}

TEST_F(RoutingRules, ALongPromptGoesToTheLongContextModel) {
    const std::string long_prompt(6000, 'x');  // ~1,500 tokens by the body-size estimate
    EXPECT_EQ(routed(chat("gpt-4", long_prompt)).first, "long-upstream");
    EXPECT_EQ(routed(chat("gpt-4", std::string(1000, 'x'))).first, "gpt-4o-2024-08-06");
}

TEST_F(RoutingRules, TheFirstMatchingRuleWins) {
    const std::string long_prompt(6000, 'x');
    // Matches all three rules: "priority" is listed first.
    EXPECT_EQ(routed(chat("gpt-4", long_prompt, true), {{"x-priority", "high"}}).first, "fast-upstream");
    // Matches "streams" and "long-prompts": "streams" comes first.
    EXPECT_EQ(routed(chat("gpt-4", long_prompt, true)).first, "streamer-upstream");
}

// Rules on who calls: a tenant, a key together with a model glob. Keys are the test's own.
class RoutingRulesByCaller : public ::testing::Test {
protected:
    static std::string hash(const std::string& key) { return auth::to_hex(auth::sha256_of(key)); }

    void SetUp() override {
        upstream_ = start_replica();
        gateway_ = std::make_unique<TestGateway>(routing_config(backend_entry("up", *upstream_), R"(
  gpt-4o:
    targets: [ { backend: up, model: gpt-4o-upstream } ]
    canary: { model: gpt-4o-next, percent: 50 }
  gpt-4o-next:
    targets: [ { backend: up, model: gpt-4o-next-upstream } ]
  o1:
    targets: [ { backend: up, model: o1-upstream } ]
  fast:
    targets: [ { backend: up, model: fast-upstream } ]
  big:
    targets: [ { backend: up, model: big-upstream } ]
)",
                                                                 R"(
tenants:
  premium: {}
auth:
  keys:
    - { id: alice, sha256: ")" + hash(kAlice) + R"(", tenant: premium }
    - { id: bob, sha256: ")" + hash(kBob) + R"(" }
routing:
  rules:
    - { name: premium, match: { tenants: [premium] }, model: big }
    - { name: bob-o-models, match: { keys: [bob], models: ["o*"] }, model: fast }
)"));
    }

    std::string answered(const std::string& key, const std::string& model) {
        const HttpResult result = post_json(gateway_->port(), "/v1/chat/completions", chat(model),
                                            {{"Authorization", "Bearer " + key}});
        EXPECT_EQ(result.status, 200) << result.body;
        return answered_model(result.body);
    }

    const std::string kAlice = "sk-ig-alice-" + std::string(kClientCanary);
    const std::string kBob = "sk-ig-bob-Bobsecret0123456789";
    std::unique_ptr<llm_mock::MockServer> upstream_;
    std::unique_ptr<TestGateway> gateway_;
};

TEST_F(RoutingRulesByCaller, ATenantRuleSendsTheTenantsKeysToItsModel) {
    EXPECT_EQ(answered(kAlice, "gpt-4o"), "big-upstream");
    EXPECT_EQ(answered(kAlice, "o1"), "big-upstream");
}

TEST_F(RoutingRulesByCaller, AKeyRuleAppliesOnlyToTheModelsItsGlobMatches) {
    EXPECT_EQ(answered(kBob, "o1"), "fast-upstream");
    const std::string other = answered(kBob, "gpt-4o");
    EXPECT_TRUE(other == "gpt-4o-upstream" || other == "gpt-4o-next-upstream") << other;
}

// Without the sticky header a caller's key decides its side of a canary: every request of
// bob's lands on the same one.
TEST_F(RoutingRulesByCaller, WithoutTheStickyHeaderACanaryKeepsAKeyOnOneSide) {
    const std::string first = answered(kBob, "gpt-4o");
    for (int i = 0; i < 20; ++i) EXPECT_EQ(answered(kBob, "gpt-4o"), first);
}

}  // namespace
}  // namespace infergate::testing
