// GET /admin/targets, rendered from a route table (see target_report.hpp).
#include "infergate/stages/routing/target_report.hpp"

#include <cmath>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/routing/route_health.hpp"

namespace infergate::routing {
namespace {

using Json = nlohmann::ordered_json;

std::string_view strategy_name(config::Balancing balancing) {
    switch (balancing) {
        case config::Balancing::weighted: return "weighted";
        case config::Balancing::least_outstanding: return "least_outstanding";
        case config::Balancing::prefix_affinity: return "prefix_affinity";
        case config::Balancing::p2c_ewma: break;
    }
    return "p2c_ewma";
}

double round_to_micros(double ms) { return std::round(ms * 1000) / 1000; }

Json target_entry(const Route& route, const RouteTarget& target, TimePoint now,
                  std::chrono::system_clock::time_point wall_now) {
    const CircuitBreaker& breaker = target.state->breaker;
    const TargetLoad& load = target.state->load;
    Json until = nullptr;
    if (const auto end = breaker.ejected_until()) {
        // Steady time has no calendar: place the cooldown end relative to the wall clock now.
        until = rfc3339(wall_now + std::chrono::duration_cast<std::chrono::system_clock::duration>(*end - now));
    }
    Json latency = nullptr;
    if (load.sampled()) {
        latency = round_to_micros(std::chrono::duration<double, std::milli>(load.ewma_latency()).count());
    }
    return {{"backend", target.backend->name()},
            // The passthrough route sends each request's own model name.
            {"upstream_model", route.passthrough ? Json(nullptr) : Json(target.upstream_model)},
            {"weight", target.weight},
            {"state", label(status_of(breaker, now))},
            {"drained", target.state->is_drained()},
            {"ejected_until", until},
            {"ejections", breaker.ejections()},
            {"in_flight", load.in_flight()},
            {"ewma_latency_ms", latency}};
}

Json route_entry(const Route& route, TimePoint now, std::chrono::system_clock::time_point wall_now) {
    Json fallbacks = Json::array();
    for (const Route* fallback : route.fallbacks) fallbacks.push_back(fallback->model);
    Json canary = nullptr;
    if (route.canary != nullptr && route.settings->canary) {
        canary = {{"model", route.canary->model}, {"percent", route.settings->canary->percent}};
    }
    Json targets = Json::array();
    for (const RouteTarget& target : route.targets) targets.push_back(target_entry(route, target, now, wall_now));
    return {{"model", route.model},
            {"strategy", strategy_name(route.settings->balancing)},
            {"passthrough", route.passthrough},
            {"retry_budget",
             {{"ratio", route.retry_budget->ratio()},
              {"min_per_second", route.settings->retry.budget_min_per_second}}},
            {"fallbacks", std::move(fallbacks)},
            {"canary", std::move(canary)},
            {"targets", std::move(targets)}};
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point at) {
    const auto since_epoch = std::chrono::floor<std::chrono::milliseconds>(at.time_since_epoch());
    const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
    const std::time_t t = static_cast<std::time_t>(seconds.count());
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:03}Z", text, (since_epoch - seconds).count());
}

std::string render_target_report(const RouteTable& table, TimePoint now,
                                 std::chrono::system_clock::time_point wall_now) {
    Json models = Json::array();
    for (const auto& [name, route] : table.routes()) models.push_back(route_entry(*route, now, wall_now));
    return Json{{"object", "targets"}, {"models", std::move(models)}}.dump();
}

}  // namespace infergate::routing
