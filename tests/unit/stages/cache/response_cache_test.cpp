#include "infergate/stages/cache/response_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace infergate::cache {
namespace {

using namespace std::chrono_literals;

CacheKey key(int n) {
    // Spread like a digest: distinct n give distinct map-hash and shard bytes.
    const std::uint64_t low = static_cast<std::uint64_t>(n) * 0x9E3779B97F4A7C15ull;
    const std::uint64_t high = static_cast<std::uint64_t>(n) * 0xC2B2AE3D27D4EB4Full;
    CacheKey k;
    std::memcpy(k.digest.data(), &low, sizeof low);
    std::memcpy(k.digest.data() + 8, &high, sizeof high);
    return k;
}

Entry entry(std::size_t body_bytes, char fill = 'x') {
    Entry e;
    e.body.assign(body_bytes, fill);
    return e;
}

// An entry of 100 body bytes costs this much.
constexpr std::size_t kCost = 100 + kEntryOverheadBytes;

struct FakeClock {
    std::chrono::steady_clock::time_point now{};
    ResponseCache::Clock clock() {
        return [this] { return now; };
    }
};

TEST(ResponseCache, HitReturnsTheStoredEntryAndCountsIt) {
    ResponseCache cache({.max_bytes = 10 * kCost, .max_entry_bytes = kCost, .shards = 1});
    EXPECT_EQ(cache.lookup(key(1)), nullptr);
    EXPECT_EQ(cache.insert(key(1), entry(100, 'a'), 1min), InsertResult::stored);
    auto hit = cache.lookup(key(1));
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->body, std::string(100, 'a'));
    EXPECT_EQ(hit->status, 200);
    // The same object every time: a hit copies no body.
    EXPECT_EQ(cache.lookup(key(1)).get(), hit.get());
    const CacheStats s = cache.stats();
    EXPECT_EQ(s.hits, 2u);
    EXPECT_EQ(s.misses, 1u);
    EXPECT_EQ(s.insertions, 1u);
    EXPECT_EQ(s.entries, 1u);
    EXPECT_EQ(s.bytes, kCost);
}

TEST(ResponseCache, InsertReplacesAndRechargesBytes) {
    ResponseCache cache({.max_bytes = 10 * kCost, .max_entry_bytes = 2 * kCost, .shards = 1});
    auto old_entry = (cache.insert(key(1), entry(100, 'a'), 1min), cache.lookup(key(1)));
    EXPECT_EQ(cache.insert(key(1), entry(150, 'b'), 1min), InsertResult::replaced);
    EXPECT_EQ(cache.lookup(key(1))->body, std::string(150, 'b'));
    EXPECT_EQ(old_entry->body, std::string(100, 'a'));  // a reader's entry outlives replacement
    EXPECT_EQ(cache.stats().bytes, 150 + kEntryOverheadBytes);
    EXPECT_EQ(cache.stats().entries, 1u);
}

TEST(ResponseCache, EvictsLeastRecentlyUsedUntilUnderTheByteBudget) {
    ResponseCache cache({.max_bytes = 3 * kCost, .max_entry_bytes = 3 * kCost, .shards = 1});
    for (int i = 1; i <= 3; ++i) cache.insert(key(i), entry(100), 1min);
    ASSERT_NE(cache.lookup(key(1)), nullptr);  // 1 is now the most recent; 2 the least
    cache.insert(key(4), entry(100), 1min);
    EXPECT_EQ(cache.lookup(key(2)), nullptr);
    EXPECT_NE(cache.lookup(key(1)), nullptr);
    EXPECT_NE(cache.lookup(key(3)), nullptr);
    EXPECT_NE(cache.lookup(key(4)), nullptr);
    EXPECT_EQ(cache.stats().evictions, 1u);
    // One big entry pushes out as many as it needs, oldest first.
    cache.insert(key(5), entry(100 + 2 * kCost), 1min);
    EXPECT_EQ(cache.stats().entries, 1u);
    EXPECT_EQ(cache.stats().bytes, 3 * kCost);
    EXPECT_EQ(cache.stats().evictions, 4u);
    EXPECT_NE(cache.lookup(key(5)), nullptr);
}

TEST(ResponseCache, EvictedEntryStaysValidForItsReader) {
    ResponseCache cache({.max_bytes = kCost, .max_entry_bytes = kCost, .shards = 1});
    cache.insert(key(1), entry(100, 'a'), 1min);
    auto reading = cache.lookup(key(1));
    cache.insert(key(2), entry(100, 'b'), 1min);
    EXPECT_EQ(cache.lookup(key(1)), nullptr);
    EXPECT_EQ(reading->body, std::string(100, 'a'));
}

TEST(ResponseCache, EntriesExpireAfterTheirTtl) {
    FakeClock clock;
    ResponseCache cache({.max_bytes = 10 * kCost, .max_entry_bytes = kCost, .shards = 1},
                        clock.clock());
    cache.insert(key(1), entry(100), 10s);
    cache.insert(key(2), entry(100), 60s);
    clock.now += 9999ms;
    EXPECT_NE(cache.lookup(key(1)), nullptr);
    clock.now += 1ms;
    EXPECT_EQ(cache.lookup(key(1)), nullptr);  // exactly at the TTL: gone
    EXPECT_NE(cache.lookup(key(2)), nullptr);
    const CacheStats s = cache.stats();
    EXPECT_EQ(s.expirations, 1u);
    EXPECT_EQ(s.entries, 1u);
    EXPECT_EQ(s.bytes, kCost);
    // Re-inserting restarts the TTL.
    cache.insert(key(2), entry(100), 60s);
    clock.now += 59s;
    EXPECT_NE(cache.lookup(key(2)), nullptr);
}

TEST(ResponseCache, RefusesOversizedEntriesAndNonPositiveTtl) {
    ResponseCache cache({.max_bytes = 100 * kCost, .max_entry_bytes = kCost, .shards = 4});
    EXPECT_EQ(cache.insert(key(1), entry(101), 1min), InsertResult::too_large);
    EXPECT_EQ(cache.insert(key(2), entry(100), 0s), InsertResult::too_large);
    EXPECT_EQ(cache.insert(key(3), entry(100), 1min), InsertResult::stored);
    EXPECT_EQ(cache.stats().refused, 2u);
    EXPECT_EQ(cache.stats().entries, 1u);
    // An entry must also fit one shard's share of the budget.
    ResponseCache small({.max_bytes = 4 * kCost, .max_entry_bytes = 100 * kCost, .shards = 4});
    EXPECT_EQ(small.max_entry_bytes(), kCost);
    EXPECT_EQ(small.insert(key(1), entry(101), 1min), InsertResult::too_large);
}

TEST(ResponseCache, EraseRemovesAndUncharges) {
    ResponseCache cache({.max_bytes = 10 * kCost, .max_entry_bytes = kCost, .shards = 1});
    ASSERT_EQ(cache.insert(key(1), entry(100), 1min), InsertResult::stored);
    EXPECT_TRUE(cache.erase(key(1)));
    EXPECT_FALSE(cache.erase(key(1)));
    EXPECT_EQ(cache.lookup(key(1)), nullptr);
    EXPECT_EQ(cache.stats().bytes, 0u);
    EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(ResponseCache, ManyThreadsInsertAndLookUpConsistently) {
    // Small enough that shards evict all the time while others read.
    ResponseCache cache({.max_bytes = 40 * kCost, .max_entry_bytes = kCost, .shards = 4});
    constexpr int kThreads = 6, kRounds = 3000, kKeys = 200;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kRounds; ++i) {
                const int k = (i * 7 + t * 13) % kKeys;
                // A key's body is always its own letter: a hit must never show another's.
                const char fill = static_cast<char>('A' + k % 26);
                if (auto hit = cache.lookup(key(k))) {
                    if (hit->body != std::string(100, fill)) ++wrong;
                } else {
                    cache.insert(key(k), entry(100, fill), 1min);
                }
                if (i % 97 == 0) cache.erase(key((k + 1) % kKeys));
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wrong.load(), 0);
    const CacheStats s = cache.stats();
    EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(kThreads * kRounds));
    EXPECT_LE(s.bytes, 40 * kCost);
    EXPECT_EQ(s.bytes, s.entries * kCost);
}

TEST(ResponseCache, ReadersOfAHotKeyNeverSeeATornEntry) {
    // Writers keep replacing one key while readers hold and read what they got.
    ResponseCache cache({.max_bytes = 4 * kCost, .max_entry_bytes = kCost, .shards = 1});
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {
        threads.emplace_back([&, w] {
            for (int i = 0; i < 2000; ++i) cache.insert(key(1), entry(100, w ? 'a' : 'b'), 1min);
        });
    }
    for (int r = 0; r < 3; ++r) {
        threads.emplace_back([&] {
            while (!stop.load()) {
                if (auto hit = cache.lookup(key(1))) {
                    const char first = hit->body.front();
                    if (hit->body != std::string(100, first)) ++wrong;
                }
            }
        });
    }
    threads[0].join();
    threads[1].join();
    stop = true;
    for (std::size_t i = 2; i < threads.size(); ++i) threads[i].join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(cache.stats().entries, 1u);
    EXPECT_EQ(cache.stats().insertions, 4000u);
}

}  // namespace
}  // namespace infergate::cache
