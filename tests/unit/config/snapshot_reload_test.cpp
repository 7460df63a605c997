// What a reload keeps: quota counters of keys and tenants that still exist, and the failure
// limiter's memory of guessing addresses; counters of removed keys are dropped.
#include <gtest/gtest.h>

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/quota/local_quota_store.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate {
namespace {

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

SnapshotPtr build(const std::string& keys, observability::Metrics& metrics, const Snapshot* previous,
                  std::uint64_t generation) {
    config::LoadResult loaded = config::testing::load(config::testing::with_routes(
        "tenants: { team: { limits: { requests_per_day: 100 } } }\nauth:\n  keys:\n" + keys));
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    SnapshotBuild built = build_snapshot(std::move(*loaded.config), generation, metrics, previous);
    EXPECT_TRUE(built.errors.empty()) << ::testing::PrintToString(built.errors);
    return built.snapshot;
}

std::int64_t used(const Snapshot& snapshot, const std::string& scope, const config::ScopeLimits& limits) {
    auto& store = static_cast<quota::LocalQuotaStore&>(*snapshot.quota_store);
    return store.usage_now(scope, limits).at(0).used;
}

TEST(SnapshotReload, QuotaCountersOfSurvivingKeysAndTenantsAreKept) {
    observability::Metrics metrics;
    const std::string a = "    - { id: a, sha256: \"" + kHashA + "\", tenant: team, limits: { requests_per_day: 10 } }\n";
    const std::string b = "    - { id: b, sha256: \"" + kHashB + "\", limits: { requests_per_day: 10 } }\n";
    const SnapshotPtr first = build(a + b, metrics, nullptr, 1);
    const auto& key_a = first->config.auth.keys[0];
    const auto& key_b = first->config.auth.keys[1];
    const config::Tenant& team = first->config.tenants.at("team");
    auto& store = static_cast<quota::LocalQuotaStore&>(*first->quota_store);
    for (int i = 0; i < 3; ++i) {
        const quota::ScopeCheck checks[] = {{"key:a", "m", &key_a.limits.all, nullptr},
                                            {"tenant:team", "m", &team.limits.all, nullptr},
                                            {"key:b", "m", &key_b.limits.all, nullptr}};
        ASSERT_TRUE(store.admit_now(checks, quota::Amount{}).admitted());
    }

    // Key b is removed; key a and the tenant stay (with a changed limit).
    const std::string a2 = "    - { id: a, sha256: \"" + kHashA + "\", tenant: team, limits: { requests_per_day: 20 } }\n";
    const SnapshotPtr second = build(a2, metrics, first.get(), 2);
    EXPECT_EQ(second->quota_store, first->quota_store);
    EXPECT_EQ(used(*second, "key:a", second->config.auth.keys[0].limits), 3);
    EXPECT_EQ(used(*second, "tenant:team", second->config.tenants.at("team").limits), 3);
    EXPECT_EQ(used(*second, "key:b", key_b.limits), 0);  // forgotten with its key
    EXPECT_EQ(second->failure_limiter, first->failure_limiter);
}

}  // namespace
}  // namespace infergate
