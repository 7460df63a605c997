// server.cache, models[].cache and auth.keys[].cache: values, defaults and errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using testing::load;

constexpr std::string_view kSha = "0000000000000000000000000000000000000000000000000000000000000000";

TEST(ConfigCache, ReadsStoreModelAndKeyPolicies) {
    const LoadResult result = load(std::string(R"(server:
  cache: { max_bytes: 8MiB, max_entry_bytes: 64KiB }
backends:
  b: { url: "http://127.0.0.1:8090" }
models:
  m:
    targets: [ { backend: b } ]
    cache: { enabled: true, ttl: 30s, share_across_tenants: true }
  plain: { targets: [ { backend: b } ] }
auth:
  keys:
    - { id: batch, sha256: ")") + std::string(kSha) + R"(", cache: { enabled: true, ttl: 1h } }
)");
    ASSERT_TRUE(result.config) << ::testing::PrintToString(result.errors);
    const Config& config = *result.config;
    ASSERT_TRUE(config.server.cache);
    EXPECT_EQ(config.server.cache->max_bytes, 8u << 20);
    EXPECT_EQ(config.server.cache->max_entry_bytes, 64u << 10);
    const auto& model = config.models.at("m").cache;
    ASSERT_TRUE(model);
    EXPECT_TRUE(model->enabled);
    EXPECT_EQ(model->ttl, std::chrono::seconds(30));
    EXPECT_TRUE(model->share_across_tenants);
    EXPECT_FALSE(config.models.at("plain").cache);
    const auto& key = config.auth.keys.at(0).cache;
    ASSERT_TRUE(key);
    EXPECT_TRUE(key->enabled);
    EXPECT_EQ(key->ttl, std::chrono::hours(1));
    EXPECT_FALSE(key->share_across_tenants);
}

TEST(ConfigCache, DefaultsWhenSectionsAreEmpty) {
    const LoadResult result = load(R"(server: { cache: {} }
backends: { b: { url: "http://127.0.0.1:8090" } }
models: { m: { targets: [ { backend: b } ], cache: {} } }
)");
    ASSERT_TRUE(result.config) << ::testing::PrintToString(result.errors);
    EXPECT_EQ(result.config->server.cache, CacheStorage{});
    EXPECT_FALSE(result.config->models.at("m").cache->enabled);  // opt-in
    EXPECT_EQ(result.config->models.at("m").cache->ttl, std::chrono::minutes(10));
}

TEST(ConfigCache, ReportsMistakesWithTheirPosition) {
    const LoadResult result = load(R"(server:
  cache: { max_bytes: 1MiB, max_entry_bytes: 2MiB, shards: 4 }
backends: { b: { url: "http://127.0.0.1:8090" } }
models:
  m: { targets: [ { backend: b } ], cache: { enabled: yes please, ttl: 0s, share: true } }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:46: server.cache.max_entry_bytes: must not exceed max_bytes",
                            "infergate.yaml:2:52: server.cache.shards: unknown key",
                            "infergate.yaml:5:55: models.m.cache.enabled: expected true or false, got \"yes please\"",
                            "infergate.yaml:5:72: models.m.cache.ttl: must be greater than 0",
                            "infergate.yaml:5:76: models.m.cache.share: unknown key"));
}

TEST(ConfigCache, AnEnabledPolicyNeedsTheStore) {
    const LoadResult result = load(R"(backends: { b: { url: "http://127.0.0.1:8090" } }
models:
  m:
    targets: [ { backend: b } ]
    cache: { enabled: true }
)");
    EXPECT_THAT(result.errors, ElementsAre("infergate.yaml:5:23: models.m.cache.enabled: "
                                           "the response cache needs server.cache"));
}

}  // namespace
}  // namespace infergate::config
