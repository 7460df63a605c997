#include "infergate/stages/cache/cache_metrics.hpp"

#include "infergate/stages/cache/cache_store.hpp"

namespace infergate::cache {
namespace {

// The counter follows a cumulative count: only what no earlier export added. A store built
// on a reload starts from 0, and the counter keeps growing from where it was.
void add_delta(std::atomic<std::uint64_t>& exported, std::uint64_t now, prometheus::Counter& counter) {
    const std::uint64_t before = exported.exchange(now, std::memory_order_relaxed);
    if (now > before) counter.Increment(static_cast<double>(now - before));
}

}  // namespace

void export_cache_metrics(CacheStore* store, observability::Metrics& metrics) {
    if (store == nullptr) {
        metrics.cache_bytes.Set(0);
        metrics.cache_entries.Set(0);
        return;
    }
    const CacheStats stats = store->cache.stats();
    metrics.cache_bytes.Set(static_cast<double>(stats.bytes));
    metrics.cache_entries.Set(static_cast<double>(stats.entries));
    add_delta(store->exported_evictions, stats.evictions, metrics.cache_evicted_for_size);
    add_delta(store->exported_expirations, stats.expirations, metrics.cache_expired);
}

}  // namespace infergate::cache
