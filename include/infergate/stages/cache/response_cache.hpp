// The in-memory response cache shared by every worker thread: an LRU bounded in bytes, with
// a TTL per entry. Sharded: each shard has its own mutex, list and map, so threads that look
// up different keys rarely meet. A lock is held only for the list and map updates.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "infergate/stages/cache/cache_entry.hpp"
#include "infergate/stages/cache/cache_key.hpp"

namespace infergate::cache {

struct CacheLimits {
    std::size_t max_bytes = 64u << 20;       // all shards together
    std::size_t max_entry_bytes = 1u << 20;  // larger answers are not stored
    std::size_t shards = 16;                 // at least 1
};

struct CacheStats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;       // includes expired entries found
    std::uint64_t insertions = 0;   // stored or replaced
    std::uint64_t evictions = 0;    // removed to make room
    std::uint64_t expirations = 0;  // removed because their TTL had passed
    std::uint64_t refused = 0;      // larger than the per-entry cap
    std::uint64_t bytes = 0;        // charged_bytes() of what is stored now
    std::uint64_t entries = 0;
};

enum class InsertResult { stored, replaced, too_large };

class ResponseCache {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    using EntryPtr = std::shared_ptr<const Entry>;

    // Each shard gets max_bytes / shards; an entry must also fit in one shard. `now` is
    // injectable for TTL tests (steady_clock by default).
    explicit ResponseCache(CacheLimits limits, Clock now = {});
    ~ResponseCache();
    ResponseCache(const ResponseCache&) = delete;
    ResponseCache& operator=(const ResponseCache&) = delete;

    // Any thread. A live entry becomes the most recently used; the pointer stays valid after
    // eviction, so a hit can be written out without a lock or a copy. Allocates nothing.
    EntryPtr lookup(const CacheKey& key);

    // Any thread. Replaces an entry under the same key, then evicts least recently used
    // entries of the shard until it fits its budget. `ttl` must be positive.
    InsertResult insert(const CacheKey& key, Entry&& entry, std::chrono::milliseconds ttl);

    bool erase(const CacheKey& key);
    CacheStats stats() const noexcept;
    // The largest entry insert() accepts (the configured cap, or a shard's budget if smaller).
    std::size_t max_entry_bytes() const noexcept { return max_entry_bytes_; }

private:
    struct Shard;
    Shard& shard_of(const CacheKey& key) noexcept;
    void forget(std::size_t bytes) noexcept;  // an entry left: the global gauges follow

    Clock now_;
    std::size_t shard_budget_;
    std::size_t max_entry_bytes_;
    std::vector<std::unique_ptr<Shard>> shards_;
    // Relaxed counters: read for metrics, never used to decide anything.
    std::atomic<std::uint64_t> hits_{0}, misses_{0}, insertions_{0}, evictions_{0}, expirations_{0},
        refused_{0}, bytes_{0}, entries_{0};
};

}  // namespace infergate::cache
