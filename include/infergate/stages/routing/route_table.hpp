// Public model name -> the targets that can serve it, compiled from the config once per
// snapshot: each target with its backend, its live state (load, circuit breaker) and its
// metric children; each route with its balancer, retry budget, fallbacks and canary.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "infergate/config/config.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/stages/routing/balancer.hpp"
#include "infergate/stages/routing/circuit_breaker.hpp"
#include "infergate/stages/routing/retry_budget.hpp"
#include "infergate/stages/routing/target_load.hpp"
#include "infergate/upstream/backend.hpp"

namespace infergate::routing {

// What a target has learnt about itself. Kept across reloads while the target (model,
// backend, upstream model) and its backend's outlier settings stay the same.
struct TargetState {
    explicit TargetState(const BreakerSettings& settings) : breaker(settings) {}
    TargetLoad load;
    CircuitBreaker breaker;
};

struct RouteTarget {
    upstream::BackendPtr backend;
    std::string upstream_model;       // the name sent upstream (the "*" route: the requested one)
    std::uint32_t weight = 1;
    std::shared_ptr<TargetState> state;
    std::unique_ptr<observability::TargetMetrics> metrics;
};

struct Route {
    std::string model;                // public name ("*" for the passthrough route)
    const config::Model* settings = nullptr;
    std::vector<RouteTarget> targets; // at least one, at most kMaxCandidates
    std::unique_ptr<Balancer> balancer;
    std::shared_ptr<RetryBudget> retry_budget;  // kept across reloads, like TargetState
    std::vector<const Route*> fallbacks;        // in order
    const Route* canary = nullptr;
    bool passthrough = false;         // "*": the requested model name goes upstream as it is
};

// The model name an attempt on `target` sends upstream for a request that named `requested`.
inline std::string_view upstream_model(const Route& route, const RouteTarget& target,
                                       std::string_view requested) noexcept {
    return route.passthrough ? requested : std::string_view(target.upstream_model);
}

struct CompiledRule {
    const config::RouteRule* rule = nullptr;
    const Route* route = nullptr;
};

class RouteTable {
public:
    // The route serving `model`: its own, its alias's, or the "*" route; null: none.
    const Route* find(std::string_view model) const noexcept;
    // Only routes with targets of their own (not aliases), by public name.
    const std::map<std::string, std::unique_ptr<Route>, std::less<>>& routes() const noexcept {
        return routes_;
    }
    const std::vector<CompiledRule>& rules() const noexcept { return rules_; }
    // For a name the config declares (a model or an alias): the indices into rules() of the
    // rules whose model patterns match it, in order, so a request checks no pattern. Null for
    // any other name (the "*" route's): its rules are checked pattern by pattern.
    const std::vector<std::uint32_t>* rules_for(std::string_view model) const noexcept;

    // Built by build_snapshot(): routes first, then aliases, fallbacks, canaries and rules.
    Route& add(std::string name, std::unique_ptr<Route> route);
    void add_alias(std::string name, const Route* route);
    void add_rule(CompiledRule rule);
    Route* mutable_route(std::string_view name);

private:
    void add_name(std::string_view name, const Route* route);

    std::map<std::string, std::unique_ptr<Route>, std::less<>> routes_;
    std::map<std::string, const Route*, std::less<>> aliases_;
    // Every name a request may use (routes and aliases; not "*"), hashed: one lookup per
    // request whatever the number of models. Keys view the names held above.
    struct Name {
        const Route* route = nullptr;
        std::vector<std::uint32_t> rules;  // see rules_for()
    };
    std::unordered_map<std::string_view, Name> by_name_;
    const Route* wildcard_ = nullptr;
    std::vector<CompiledRule> rules_;
};

}  // namespace infergate::routing
