// The gateway's one response cache with the settings it was built from. A snapshot holds it
// by shared_ptr and hands it to the next one when server.cache did not change, so a reload
// keeps the entries.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "infergate/config/cache.hpp"
#include "infergate/stages/cache/response_cache.hpp"

namespace infergate::cache {

// Shards so that the largest allowed entry fits in one shard's budget four times over
// (each shard gets max_bytes / shards), and at most 16.
inline std::size_t shards_for(const config::CacheStorage& settings) {
    const std::size_t per_entry = std::max<std::size_t>(settings.max_entry_bytes + kEntryOverheadBytes, 1) * 4;
    return std::clamp<std::size_t>(settings.max_bytes / per_entry, 1, 16);
}

struct CacheStore {
    explicit CacheStore(const config::CacheStorage& settings)
        : settings(settings),
          cache(CacheLimits{settings.max_bytes, settings.max_entry_bytes, shards_for(settings)}) {}

    const config::CacheStorage settings;
    ResponseCache cache;
    // How much of the cumulative eviction counts /metrics has already exported; several
    // workers may serve /metrics at once, so each takes its delta with an exchange.
    std::atomic<std::uint64_t> exported_evictions{0};
    std::atomic<std::uint64_t> exported_expirations{0};
};

}  // namespace infergate::cache
