// Health check results into targets' breakers, and target status out (see route_health.hpp).
#include "infergate/stages/routing/route_health.hpp"

#include <algorithm>

namespace infergate::routing {
namespace {

// Calls `f(target)` for every target of every route (aliases share their route's targets).
template <class F>
void for_each_target(const RouteTable& table, F&& f) {
    for (const auto& [name, route] : table.routes()) {
        for (const RouteTarget& target : route->targets) f(target);
    }
}

}  // namespace

TargetStatus status_of(const CircuitBreaker& breaker, TimePoint now) noexcept {
    if (breaker.failing_health_checks()) return TargetStatus::failing_health_checks;
    switch (breaker.state(now)) {
        case CircuitBreaker::State::closed: return TargetStatus::healthy;
        case CircuitBreaker::State::half_open: return TargetStatus::half_open;
        case CircuitBreaker::State::open: break;
    }
    return TargetStatus::ejected;
}

std::string_view label(TargetStatus status) noexcept {
    switch (status) {
        case TargetStatus::healthy: return "healthy";
        case TargetStatus::ejected: return "ejected";
        case TargetStatus::half_open: return "half_open";
        case TargetStatus::failing_health_checks: return "failing_health_checks";
    }
    return "unknown";
}

std::size_t record_health_check(const RouteTable& table, std::string_view backend, bool passed, TimePoint now) {
    // A reload can hand one state to two identical targets of a route: feed each breaker once,
    // or its thresholds would count one check twice.
    std::vector<const TargetState*> fed;
    for_each_target(table, [&](const RouteTarget& target) {
        if (target.backend->name() != backend) return;
        if (std::find(fed.begin(), fed.end(), target.state.get()) != fed.end()) return;
        fed.push_back(target.state.get());
        CircuitBreaker& breaker = target.state->breaker;
        const std::uint64_t before = breaker.ejections();
        breaker.health_check(passed, now);
        if (breaker.ejections() > before && target.metrics) target.metrics->ejections.Increment();
    });
    return fed.size();
}

bool failing_health_checks(const RouteTable& table, std::string_view backend) {
    bool failing = false;
    for_each_target(table, [&](const RouteTarget& target) {
        failing = failing || (target.backend->name() == backend && target.state->breaker.failing_health_checks());
    });
    return failing;
}

std::size_t set_drained(const RouteTable& table, std::string_view model, std::string_view backend, bool drained) {
    std::size_t matched = 0;
    for (const auto& [name, route] : table.routes()) {
        if (!model.empty() && name != model) continue;
        for (const RouteTarget& target : route->targets) {
            if (target.backend->name() != backend) continue;
            target.state->drained.store(drained, std::memory_order_relaxed);
            ++matched;
        }
    }
    return matched;
}

std::vector<std::string> unavailable_models(const RouteTable& table, TimePoint now) {
    std::vector<std::string> models;
    for (const auto& [name, route] : table.routes()) {
        const bool any_usable = std::any_of(route->targets.begin(), route->targets.end(), [&](const RouteTarget& t) {
            return !t.state->is_drained() && usable(status_of(t.state->breaker, now));
        });
        if (!any_usable) models.push_back(name);
    }
    return models;
}

void refresh_target_gauges(const RouteTable& table, TimePoint now) {
    for_each_target(table, [&](const RouteTarget& target) {
        const bool serving = !target.state->is_drained() && usable(status_of(target.state->breaker, now));
        if (target.metrics) target.metrics->healthy.Set(serving ? 1 : 0);
    });
}

}  // namespace infergate::routing
