#include "infergate/stages/cache/response_cache.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace infergate::cache {

struct ResponseCache::Shard {
    struct Node {
        CacheKey key;
        EntryPtr entry;
        std::chrono::steady_clock::time_point expires;
        std::size_t bytes = 0;
    };
    using List = std::list<Node>;  // front: most recently used

    std::mutex mutex;
    List lru;
    std::unordered_map<CacheKey, List::iterator, CacheKeyHash> index;
    std::size_t bytes = 0;

    // Unlinks a node; returns its entry so that the caller frees it after the unlock.
    EntryPtr remove(List::iterator node, std::size_t& removed_bytes) {
        EntryPtr entry = std::move(node->entry);
        removed_bytes = node->bytes;
        bytes -= node->bytes;
        index.erase(node->key);
        lru.erase(node);
        return entry;
    }
};

namespace {
constexpr auto relaxed = std::memory_order_relaxed;
}

ResponseCache::ResponseCache(CacheLimits limits, Clock now)
    : now_(now ? std::move(now) : Clock{[] { return std::chrono::steady_clock::now(); }}) {
    const std::size_t shards = std::max<std::size_t>(limits.shards, 1);
    shard_budget_ = limits.max_bytes / shards;
    max_entry_bytes_ = std::min(limits.max_entry_bytes, shard_budget_);
    shards_.reserve(shards);
    for (std::size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

ResponseCache::~ResponseCache() = default;

ResponseCache::Shard& ResponseCache::shard_of(const CacheKey& key) noexcept {
    // Other digest bytes than the map's hash, so a shard's keys still spread over its buckets.
    std::uint64_t h;
    std::memcpy(&h, key.digest.data() + 8, sizeof h);
    return *shards_[h % shards_.size()];
}

ResponseCache::EntryPtr ResponseCache::lookup(const CacheKey& key) {
    Shard& shard = shard_of(key);
    EntryPtr expired;  // released after the unlock: freeing a large body is not lock work
    {
        std::lock_guard lock(shard.mutex);
        auto found = shard.index.find(key);
        if (found != shard.index.end()) {
            Shard::List::iterator node = found->second;
            if (now_() < node->expires) {
                shard.lru.splice(shard.lru.begin(), shard.lru, node);
                hits_.fetch_add(1, relaxed);
                return node->entry;
            }
            std::size_t removed = 0;
            expired = shard.remove(node, removed);
            forget(removed);
            expirations_.fetch_add(1, relaxed);
        }
    }
    misses_.fetch_add(1, relaxed);
    return nullptr;
}

InsertResult ResponseCache::insert(const CacheKey& key, Entry&& entry,
                                   std::chrono::milliseconds ttl) {
    const std::size_t bytes = charged_bytes(entry);
    if (bytes > max_entry_bytes_ || ttl <= std::chrono::milliseconds::zero()) {
        refused_.fetch_add(1, relaxed);
        return InsertResult::too_large;
    }
    // Built outside the lock: the allocation and the move need no shard.
    auto shared = std::make_shared<const Entry>(std::move(entry));
    const auto expires = now_() + ttl;
    Shard& shard = shard_of(key);
    std::vector<EntryPtr> released;  // dropped after the unlock
    InsertResult result = InsertResult::stored;
    {
        std::lock_guard lock(shard.mutex);
        if (auto found = shard.index.find(key); found != shard.index.end()) {
            Shard::Node& node = *found->second;
            released.push_back(std::exchange(node.entry, std::move(shared)));
            shard.bytes = shard.bytes - node.bytes + bytes;
            bytes_.fetch_sub(node.bytes, relaxed);
            node.bytes = bytes;
            node.expires = expires;
            shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
            result = InsertResult::replaced;
        } else {
            shard.lru.push_front(Shard::Node{key, std::move(shared), expires, bytes});
            shard.index.emplace(key, shard.lru.begin());
            shard.bytes += bytes;
            entries_.fetch_add(1, relaxed);
        }
        bytes_.fetch_add(bytes, relaxed);
        // The new entry is at the front and fits a shard alone, so this stops before it.
        while (shard.bytes > shard_budget_) {
            std::size_t removed = 0;
            released.push_back(shard.remove(std::prev(shard.lru.end()), removed));
            forget(removed);
            evictions_.fetch_add(1, relaxed);
        }
    }
    insertions_.fetch_add(1, relaxed);
    return result;
}

bool ResponseCache::erase(const CacheKey& key) {
    Shard& shard = shard_of(key);
    EntryPtr released;
    std::lock_guard lock(shard.mutex);
    auto found = shard.index.find(key);
    if (found == shard.index.end()) return false;
    std::size_t removed = 0;
    released = shard.remove(found->second, removed);
    forget(removed);
    return true;
}

void ResponseCache::forget(std::size_t bytes) noexcept {
    bytes_.fetch_sub(bytes, relaxed);
    entries_.fetch_sub(1, relaxed);
}

CacheStats ResponseCache::stats() const noexcept {
    CacheStats s;
    s.hits = hits_.load(relaxed);
    s.misses = misses_.load(relaxed);
    s.insertions = insertions_.load(relaxed);
    s.evictions = evictions_.load(relaxed);
    s.expirations = expirations_.load(relaxed);
    s.refused = refused_.load(relaxed);
    s.bytes = bytes_.load(relaxed);
    s.entries = entries_.load(relaxed);
    return s;
}

}  // namespace infergate::cache
