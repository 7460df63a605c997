// The health of a route table's targets: active health check results fed into their circuit
// breakers, and what readiness, /admin/targets and the infergate_target_healthy gauge read
// back out of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "infergate/stages/routing/route_table.hpp"
#include "infergate/stages/routing/steady_time.hpp"

namespace infergate::routing {

enum class TargetStatus { healthy, ejected, half_open, failing_health_checks };

// Failing health checks wins over the traffic side: that ejection has no set end.
TargetStatus status_of(const CircuitBreaker& breaker, TimePoint now) noexcept;
std::string_view label(TargetStatus status) noexcept;
// Serving, or about to: healthy, or half-open (the cooldown is over; the next request probes).
constexpr bool usable(TargetStatus status) noexcept {
    return status == TargetStatus::healthy || status == TargetStatus::half_open;
}

// One health check result of `backend`, given to the breaker of every target on it (once per
// breaker). Counts the ejections it causes in the targets' metrics. Returns the breakers fed.
std::size_t record_health_check(const RouteTable& table, std::string_view backend, bool passed, TimePoint now);

// Whether any target on `backend` is held out by failed health checks now.
bool failing_health_checks(const RouteTable& table, std::string_view backend);

// Drains (or undrains) the targets on `backend` of the route named `model` (a model with
// targets of its own; empty: every route). Returns how many targets it matched.
std::size_t set_drained(const RouteTable& table, std::string_view model, std::string_view backend, bool drained);

// Public names of the routes with no usable target now (ejected, failing checks or drained),
// in name order.
std::vector<std::string> unavailable_models(const RouteTable& table, TimePoint now);

// Sets each target's infergate_target_healthy gauge: 1 if usable and not drained now, else 0. Called when
// /metrics is served, so an ejection that ended by time shows without waiting for traffic.
void refresh_target_gauges(const RouteTable& table, TimePoint now);

}  // namespace infergate::routing
