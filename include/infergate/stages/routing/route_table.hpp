// Public model name -> the targets that can serve it, compiled from the config once per
// snapshot. Each target carries its backend and its metric children, resolved up front.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "infergate/observability/metrics.hpp"
#include "infergate/upstream/backend.hpp"

namespace infergate::routing {

struct RouteTarget {
    upstream::BackendPtr backend;
    std::string upstream_model;       // the name sent upstream
    bool renames = false;             // upstream_model differs from the public name
    std::unique_ptr<observability::TargetMetrics> metrics;
};

struct Route {
    std::string model;                // public name
    std::vector<RouteTarget> targets; // at least one
    mutable std::atomic<std::size_t> next{0};  // round-robin cursor shared by workers
};

using RouteTable = std::map<std::string, std::unique_ptr<Route>, std::less<>>;

}  // namespace infergate::routing
