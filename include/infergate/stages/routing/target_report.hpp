// GET /admin/targets: every model route and the live state of its targets, as JSON for
// operators. Names, weights and numbers only; nothing from a backend's credentials.
#pragma once

#include <chrono>
#include <string>

#include "infergate/stages/routing/route_table.hpp"
#include "infergate/stages/routing/steady_time.hpp"

namespace infergate::routing {

// {"object":"targets","models":[{"model","strategy","passthrough","retry_budget":{"ratio",
// "min_per_second"},"fallbacks":[...],"canary","targets":[{"backend","upstream_model","weight",
// "state","drained","ejected_until","ejections","in_flight","ewma_latency_ms"}]}]}, models by name.
// `now` reads the breakers; `wall_now` (the same instant) turns cooldown ends into RFC 3339.
std::string render_target_report(const RouteTable& table, TimePoint now,
                                  std::chrono::system_clock::time_point wall_now);

// "2024-05-01T12:00:00.250Z"
std::string rfc3339(std::chrono::system_clock::time_point at);

}  // namespace infergate::routing
