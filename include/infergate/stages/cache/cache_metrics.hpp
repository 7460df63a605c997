// The response cache's size gauges and eviction counters, brought up to date from its stats
// when /metrics is served (nothing is counted per request for them).
#pragma once

#include "infergate/observability/metrics.hpp"

namespace infergate::cache {

struct CacheStore;

// `store` null: no cache configured (the gauges read 0).
void export_cache_metrics(CacheStore* store, observability::Metrics& metrics);

}  // namespace infergate::cache
