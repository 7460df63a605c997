// What a reload does to the response cache: kept (with its entries) while server.cache is
// unchanged, replaced when it changes, dropped when it goes.
#include <gtest/gtest.h>

#include "infergate/config/snapshot.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate {
namespace {

SnapshotPtr build(const std::string& server, observability::Metrics& metrics, const Snapshot* previous) {
    config::LoadResult loaded = config::testing::load(config::testing::with_routes(server));
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    SnapshotBuild built = build_snapshot(std::move(*loaded.config), previous ? previous->generation + 1 : 1,
                                         metrics, previous);
    EXPECT_TRUE(built.errors.empty()) << ::testing::PrintToString(built.errors);
    return built.snapshot;
}

TEST(SnapshotCache, KeptWhileItsSettingsAreUnchanged) {
    observability::Metrics metrics;
    const SnapshotPtr none = build("", metrics, nullptr);
    EXPECT_FALSE(none->response_cache);

    const std::string small = "server: { cache: { max_bytes: 1MiB, max_entry_bytes: 64KiB } }\n";
    const SnapshotPtr first = build(small, metrics, none.get());
    ASSERT_TRUE(first->response_cache);
    const SnapshotPtr same = build(small + "log: { level: warn }\n", metrics, first.get());
    EXPECT_EQ(same->response_cache, first->response_cache);

    const SnapshotPtr bigger =
        build("server: { cache: { max_bytes: 2MiB, max_entry_bytes: 64KiB } }\n", metrics, same.get());
    ASSERT_TRUE(bigger->response_cache);
    EXPECT_NE(bigger->response_cache, first->response_cache);
    EXPECT_EQ(bigger->response_cache->settings.max_bytes, 2u << 20);

    EXPECT_FALSE(build("", metrics, bigger.get())->response_cache);
}

TEST(SnapshotCache, TheLargestAllowedEntryFitsInAShard) {
    for (const config::CacheStorage settings :
         {config::CacheStorage{}, config::CacheStorage{1u << 20, 1u << 20}, config::CacheStorage{8u << 20, 64u << 10}}) {
        cache::CacheStore store(settings);
        EXPECT_EQ(store.cache.max_entry_bytes(), settings.max_entry_bytes);
    }
}

}  // namespace
}  // namespace infergate
