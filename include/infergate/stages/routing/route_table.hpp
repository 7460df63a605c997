// Public model name -> the targets that can serve it, compiled from the config once per
// snapshot: each target with its backend, its live state (load, circuit breaker) and its
// metric children; each route with its balancer, retry budget, fallbacks and canary.
#pragma once

#include <atomic>
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
    // Set by POST /admin/targets/drain: no new request goes here (its in-flight ones finish).
    // Unlike an ejection it is never ignored, not even when every target is out.
    std::atomic<bool> drained{false};
    bool is_drained() const noexcept { return drained.load(std::memory_order_relaxed); }
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
    // rule->headers as slots of RouteTable::rule_header_names() and the values they need,
    // filled by add_rule(): a request looks each name up once, whatever the rules.
    struct HeaderCheck {
        std::uint32_t slot = 0;
        std::string_view value;
    };
    std::vector<HeaderCheck> headers;
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
    // What a request naming `model` needs, in one hashed lookup: the route (as find()) and,
    // for a name the config declares (a model or an alias), the indices into rules() of the
    // rules whose model patterns match it and whose `stream` condition agrees with `stream`,
    // in order, so that a request checks neither. `rules` is null for any other name (the "*"
    // route's): its rules are checked condition by condition.
    struct Lookup {
        const Route* route = nullptr;
        const std::vector<std::uint32_t>* rules = nullptr;
    };
    Lookup lookup(std::string_view model, bool stream) const noexcept;
    // Every header name some rule tests (lowercase), once each; CompiledRule::headers index it.
    const std::vector<std::string_view>& rule_header_names() const noexcept { return rule_header_names_; }

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
        std::vector<std::uint32_t> rules[2];  // see lookup(); [stream]
    };
    std::unordered_map<std::string_view, Name> by_name_;
    const Route* wildcard_ = nullptr;
    std::vector<CompiledRule> rules_;
    std::vector<std::string_view> rule_header_names_;  // views of the rules' config
};

}  // namespace infergate::routing
