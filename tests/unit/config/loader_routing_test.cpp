// The routing and resilience keys: what a valid file gives, the defaults, and every
// cross-reference mistake reported where it was written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::load;

constexpr const char* kBackends = R"(backends:
  a: { url: "http://a:8000" }
  b: { url: "http://b:8000" }
)";

LoadResult load_with(const std::string& rest) { return load(std::string(kBackends) + rest); }

TEST(ConfigRouting, ReadsEveryModelKey) {
    const LoadResult result = load_with(R"(models:
  llama:
    strategy: prefix_affinity
    affinity_window: 2KiB
    targets:
      - { backend: a, model: l3, weight: 3 }
      - { backend: b, model: l3 }
    retry: { attempts: 3, on: [connect_error, reset, timeout, 429, 5xx, context_length],
             backoff: { base: 10ms, max: 200ms }, budget: { ratio: 0.1, min_per_second: 2 } }
    fallbacks: { models: [small], on: [429] }
    first_token_timeout: 4s
    canary: { model: small, percent: 12.5, sticky_header: x-user }
  small: { targets: [ { backend: b } ] }
  gpt-4: { alias: llama }
  "*": { targets: [ { backend: a } ] }
)");
    ASSERT_TRUE(result.config) << ::testing::PrintToString(result.errors);
    const Model& llama = result.config->models.at("llama");
    EXPECT_EQ(llama.balancing, Balancing::prefix_affinity);
    EXPECT_EQ(llama.affinity_window, 2048u);
    EXPECT_EQ(llama.targets[0].weight, 3u);
    EXPECT_EQ(llama.targets[1].weight, 1u);
    EXPECT_EQ(llama.retry.attempts, 3u);
    EXPECT_TRUE(llama.retry.on.connect_error && llama.retry.on.reset && llama.retry.on.timeout &&
                llama.retry.on.context_length);
    EXPECT_THAT(llama.retry.on.statuses, ElementsAre(429u, 0u));
    EXPECT_EQ(llama.retry.backoff_base, std::chrono::milliseconds(10));
    EXPECT_EQ(llama.retry.backoff_max, std::chrono::milliseconds(200));
    EXPECT_DOUBLE_EQ(llama.retry.budget_ratio, 0.1);
    EXPECT_EQ(llama.retry.budget_min_per_second, 2u);
    EXPECT_THAT(llama.fallback.models, ElementsAre("small"));
    EXPECT_THAT(llama.fallback.on.statuses, ElementsAre(429u));
    EXPECT_FALSE(llama.fallback.on.connect_error);
    EXPECT_EQ(llama.first_token_timeout, std::chrono::seconds(4));
    ASSERT_TRUE(llama.canary);
    EXPECT_EQ(llama.canary->model, "small");
    EXPECT_DOUBLE_EQ(llama.canary->percent, 12.5);
    EXPECT_EQ(llama.canary->sticky_header, "x-user");
    EXPECT_EQ(result.config->models.at("gpt-4").alias_of, "llama");
    EXPECT_TRUE(result.config->models.contains("*"));
}

TEST(ConfigRouting, RetriesFailOverByDefaultOnlyWhenThereIsAnotherTarget) {
    const LoadResult result = load_with(R"(models:
  one: { targets: [ { backend: a } ] }
  two: { targets: [ { backend: a }, { backend: b } ] }
)");
    ASSERT_TRUE(result.config);
    const Model& one = result.config->models.at("one");
    const Model& two = result.config->models.at("two");
    EXPECT_EQ(one.retry.attempts, 1u);
    EXPECT_EQ(two.retry.attempts, 2u);
    EXPECT_EQ(two.balancing, Balancing::p2c_ewma);
    // Only what never reached a backend is retried unless the operator says more.
    EXPECT_TRUE(two.retry.on.connect_error);
    EXPECT_FALSE(two.retry.on.reset || two.retry.on.timeout || !two.retry.on.statuses.empty());
    EXPECT_TRUE(two.fallback.on.context_length);
}

TEST(ConfigRouting, ReadsBackendResilienceKeysAndRules) {
    const LoadResult result = load(R"(backends:
  a:
    url: "http://a:8000"
    api_keys: [ "k1", { key: "k2", weight: 3 } ]
    max_concurrency: 8
    queue: { max_waiting: 16, max_wait: 2s }
    outlier_detection: { consecutive_failures: 3, error_rate: 0, window: 5s, base_ejection: 1s, max_ejection: 8s }
    health_check: { path: /ready, interval: 1s, timeout: 500ms, unhealthy_threshold: 2, healthy_threshold: 1 }
models:
  m: { targets: [ { backend: a } ] }
  long: { targets: [ { backend: a } ] }
tenants:
  t: { share: 4 }
auth:
  keys:
    - { id: k, sha256: "0000000000000000000000000000000000000000000000000000000000000001", priority: high, priority_header: true }
routing:
  rules:
    - name: big
      match: { models: ["m*"], headers: { X-Tier: gold }, keys: [k], tenants: [t], stream: true, min_prompt_tokens: 1000 }
      model: long
    - { match: {}, model: m }
)");
    ASSERT_TRUE(result.config) << ::testing::PrintToString(result.errors);
    const Backend& a = result.config->backends.at("a");
    ASSERT_EQ(a.api_keys.size(), 2u);
    EXPECT_EQ(a.api_keys[1].weight, 3u);
    EXPECT_EQ(a.admission.max_concurrency, 8u);
    EXPECT_EQ(a.admission.max_queue, 16u);
    EXPECT_EQ(a.admission.max_wait, std::chrono::seconds(2));
    EXPECT_EQ(a.outlier.consecutive_failures, 3u);
    EXPECT_EQ(a.outlier.error_rate, 0.0);
    EXPECT_EQ(a.outlier.max_ejection, std::chrono::seconds(8));
    EXPECT_TRUE(a.health_check.enabled);
    EXPECT_EQ(a.health_check.path, "/ready");
    EXPECT_EQ(a.health_check.healthy_threshold, 1u);
    EXPECT_EQ(result.config->tenants.at("t").share, 4u);
    EXPECT_EQ(result.config->auth.keys[0].priority, 2);
    EXPECT_TRUE(result.config->auth.keys[0].priority_header);
    ASSERT_EQ(result.config->rules.size(), 2u);
    const RouteRule& big = result.config->rules[0];
    EXPECT_EQ(big.name, "big");
    EXPECT_EQ(big.headers.at("x-tier"), "gold");  // header names match case-insensitively
    EXPECT_EQ(big.stream, true);
    EXPECT_EQ(big.min_prompt_tokens, 1000);
    EXPECT_EQ(result.config->rules[1].name, "rules[1]");
}

TEST(ConfigRouting, ReportsReferencesToModelsThatCannotServe) {
    const LoadResult result = load_with(R"(models:
  m:
    targets: [ { backend: a } ]
    fallbacks: [m, nope, al]
    canary: { model: gone, percent: 5 }
  al: { alias: missing }
routing:
  rules:
    - { match: { stream: true }, model: ghost }
)");
    EXPECT_FALSE(result.config);
    EXPECT_THAT(result.errors,
                ElementsAre(HasSubstr("models.m.fallbacks: a model cannot fall back to itself"),
                            HasSubstr("models.m.fallbacks: unknown model \"nope\""),
                            HasSubstr("models.m.fallbacks: unknown model \"al\""),
                            HasSubstr("models.m.canary.model: unknown model \"gone\""),
                            HasSubstr("infergate.yaml:9:7: models.al.alias: \"missing\" is not a model with targets"),
                            HasSubstr("infergate.yaml:12:7: routing.rules[0].model: unknown model \"ghost\"")));
}

TEST(ConfigRouting, ReportsBadValuesAtTheirPosition) {
    const LoadResult result = load(R"(backends:
  a: { url: "http://a", api_key: "x", api_keys: ["y"] }
models:
  m: { targets: [ { backend: a } ], strategy: random, retry: { on: [teapot] } }
  "*": { targets: [ { backend: a, model: fixed } ] }
)");
    EXPECT_FALSE(result.config);
    EXPECT_THAT(result.errors,
                ElementsAre(HasSubstr("backends.a.api_keys: give either api_key or api_keys, not both"),
                            HasSubstr("unknown strategy \"random\""),
                            HasSubstr("models.m.retry.on[0]: unknown failure \"teapot\""),
                            HasSubstr("the \"*\" route sends the requested name upstream")));
}

}  // namespace
}  // namespace infergate::config
