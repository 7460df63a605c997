// Response cache settings: the store (server.cache) and who may use it (models[].cache,
// auth.keys[].cache). See docs/cache.md.
#pragma once

#include <chrono>
#include <cstddef>

namespace infergate::config {

// server.cache: one in-memory store shared by every worker. Absent: no cache at all.
struct CacheStorage {
    std::size_t max_bytes = 256u << 20;       // all entries together
    std::size_t max_entry_bytes = 1u << 20;   // larger answers are not stored
    bool operator==(const CacheStorage&) const = default;
};

// models[].cache and auth.keys[].cache; a key's section wins over its model's.
struct CachePolicy {
    bool enabled = false;
    std::chrono::milliseconds ttl = std::chrono::minutes(10);
    bool share_across_tenants = false;  // true: one scope for every caller
};

}  // namespace infergate::config
