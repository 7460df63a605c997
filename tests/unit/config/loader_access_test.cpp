// The auth, tenants and quota sections: what they read, and the exact messages for mistakes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using testing::load;

const std::string kBase = R"(backends:
  b: { url: "http://h" }
models:
  m: { targets: [ { backend: b } ], pricing: { input_per_1m: 0.15, output_per_1m: 0.6 } }
)";
const std::string kHash = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

TEST(ConfigAccess, ReadsKeysTenantsLimitsAndPrices) {
    const LoadResult result = load(kBase + R"(tenants:
  team-a: { models: [m] }
  team: { models: ["m*"], limits: { requests_per_minute: 10, budget_usd_per_month: 12.5 } }
auth:
  keys:
    - id: app.1
      sha256: ")" + kHash + R"("
      tenant: team
      expires: "2027-01-31T00:00:00Z"
      limits: { tokens_per_minute: 1000, tokens_per_week: 5000, tokens_per_month: 20000, budget_usd_per_week: 3,
                max_stream_tokens: 4000, mode: shadow, models: { m: { concurrency: 2 } } }
  max_failures_per_minute: 5
quota: { time_zone: Europe/Berlin, default_max_tokens: 256 }
)");
    ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0]);
    const Config& config = *result.config;
    EXPECT_EQ(config.models.at("m").pricing.input, 150'000);  // micro-USD per 1M tokens
    EXPECT_EQ(config.tenants.at("team").limits.all.budget_micro_usd_per_month, 12'500'000);
    EXPECT_EQ(config.tenants.count("team-a"), 1u);  // tenant names may have dashes, key ids not
    ASSERT_EQ(config.auth.keys.size(), 1u);
    const ApiKey& key = config.auth.keys[0];
    EXPECT_EQ(key.id, "app.1");
    EXPECT_EQ(key.sha256[0], 0xaa);
    EXPECT_EQ(key.limits.all.mode, LimitMode::shadow);
    EXPECT_EQ(key.limits.all.tokens_per_week, 5000);
    EXPECT_EQ(key.limits.all.tokens_per_month, 20000);
    EXPECT_EQ(key.limits.all.max_stream_tokens, 4000);
    EXPECT_EQ(key.limits.all.budget_micro_usd_per_week, 3'000'000);
    EXPECT_EQ(key.limits.per_model.at("m").concurrency, 2);
    EXPECT_EQ(key.limits.per_model.at("m").mode, LimitMode::shadow);  // inherited
    EXPECT_TRUE(key.expires.has_value());
    EXPECT_TRUE(config.auth.enabled());
    EXPECT_EQ(config.auth.max_failures_per_minute, 5);
    EXPECT_EQ(config.quota.time_zone, "Europe/Berlin");
}

TEST(ConfigAccess, FailureLimiterIsOnByDefaultAndCanBeTurnedOff) {
    const std::string keys = "auth:\n  keys: [ { id: a, sha256: \"" + kHash + "\" } ]\n";
    const LoadResult on = load(kBase + keys);
    ASSERT_TRUE(on.config);
    EXPECT_EQ(on.config->auth.max_failures_per_minute, 30);
    const LoadResult off = load(kBase + keys + "  max_failures_per_minute: 0\n");
    ASSERT_TRUE(off.config);
    EXPECT_EQ(off.config->auth.max_failures_per_minute, 0);
    const LoadResult bad = load(kBase + keys + "  max_failures_per_minute: -3\n");
    EXPECT_THAT(bad.errors, ElementsAre("infergate.yaml:7:28: auth.max_failures_per_minute: must be at least 0, got \"-3\""));
}

TEST(ConfigAccess, ReportsEveryMistakeWithoutQuotingSecrets) {
    const LoadResult result = load(kBase + R"(auth:
  keys:
    - { id: "bad id", sha256: "sk-ig-plaintext-secret", tenant: nobody, models: [x] }
    - { id: a, sha256: ")" + kHash + R"(", limits: { requests_per_minute: -1, mode: soft } }
    - { id: a, sha256: ")" + kHash + R"(", expires: tomorrow }
quota: { time_zone: Mars/Olympus }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:7:13: auth.keys[0].id: key ids are 1-64 letters, digits, \"_\" or \".\" (they appear in logs and metrics)",
                            "infergate.yaml:7:31: auth.keys[0].sha256: expected 64 hexadecimal digits (the key's SHA-256, as `infergate hash-key` prints it)",
                            "infergate.yaml:7:65: auth.keys[0].tenant: unknown tenant \"nobody\"",
                            "infergate.yaml:7:82: auth.keys[0].models[0]: unknown model \"x\"",
                            "infergate.yaml:8:123: auth.keys[1].limits.requests_per_minute: must be at least 1, got \"-1\"",
                            "infergate.yaml:8:133: auth.keys[1].limits.mode: unknown mode \"soft\" (expected enforce or shadow)",
                            "infergate.yaml:9:7: auth.keys[2]: duplicate key id \"a\"",
                            "infergate.yaml:9:101: auth.keys[2].expires: expected an RFC 3339 time like 2027-01-31T00:00:00Z, got \"tomorrow\"",
                            "infergate.yaml:10:21: quota.time_zone: unknown time zone \"Mars/Olympus\" (an IANA name like Europe/Berlin, or UTC)"));
    for (const std::string& error : result.errors) EXPECT_EQ(error.find("plaintext"), std::string::npos);
}

TEST(ConfigAccess, AdminKeyIsAHashOfItsOwn) {
    const std::string keys = "auth:\n  keys: [ { id: a, sha256: \"" + kHash + "\" } ]\n";
    const LoadResult ok = load(kBase + keys + "admin: { key_sha256: \"" + std::string(64, 'b') + "\" }\n");
    ASSERT_TRUE(ok.config) << (ok.errors.empty() ? "" : ok.errors[0]);
    EXPECT_EQ((*ok.config->admin.key_sha256)[0], 0xbb);
    const LoadResult reused = load(kBase + keys + "admin: { key_sha256: \"" + kHash + "\" }\n");
    EXPECT_THAT(reused.errors, ElementsAre("infergate.yaml:7:22: admin.key_sha256: the admin key must not also be an API key (\"a\")"));
    const LoadResult missing = load(kBase + "admin: {}\n");
    ASSERT_EQ(missing.errors.size(), 1u);
    EXPECT_NE(missing.errors[0].find("admin.key_sha256"), std::string::npos) << missing.errors[0];
}

}  // namespace
}  // namespace infergate::config
