// Compiles the config's models and routing rules into a RouteTable (once per snapshot).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "infergate/config/config.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/stages/routing/route_table.hpp"
#include "infergate/upstream/backend.hpp"

namespace infergate::routing {

using BackendMap = std::map<std::string, upstream::BackendPtr, std::less<>>;

// `previous` (the table being replaced, if any) lends the live state of targets and routes
// that did not change: their load, breaker and retry budget carry over a reload.
// Problems a loaded config can still have (more targets than a balancer takes) are appended
// to `errors`.
RouteTable build_route_table(const config::Config& config, const BackendMap& backends,
                             observability::Metrics& metrics, const RouteTable* previous,
                             std::vector<std::string>& errors);

// A backend's outlier detection and health check thresholds, as its targets' breakers use them.
BreakerSettings breaker_settings(const config::OutlierDetection& outlier, const config::HealthCheck& check);

}  // namespace infergate::routing
