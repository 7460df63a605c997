// GET /admin/backends: each backend's address, health-check results, last connect and its
// connection pools summed over the workers (each worker reads its own pools on its own thread).
#include <map>

#include <nlohmann/json.hpp>

#include "infergate/config/config_json.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/server/gateway.hpp"
#include "infergate/stages/routing/target_report.hpp"
#include "resources.hpp"

namespace infergate::server::admin {
namespace {

using Json = nlohmann::ordered_json;

Json health_of(const config::Backend& settings, const upstream::HealthChecker& checker) {
    if (!settings.health_check.enabled) return {{"enabled", false}};
    const auto statuses = checker.statuses();
    const auto found = statuses.find(settings.name);
    Json out{{"enabled", true}, {"path", settings.health_check.path}};
    if (found == statuses.end() || !found->second.probed) {
        out["state"] = "unknown";  // no check has finished yet
        return out;
    }
    const auto& status = found->second;
    out["state"] = status.failing ? "unhealthy" : "healthy";
    Json last{{"passed", status.last_passed},
              {"status", status.last_status == 0 ? Json(nullptr) : Json(status.last_status)},
              {"at", routing::rfc3339(status.last_at)}};
    if (!status.last_passed) last["detail"] = status.last_detail;
    out["last_check"] = std::move(last);
    return out;
}

}  // namespace

net::awaitable<LocalAnswer> show_backends(const LocalRequest& request) {
    const Snapshot& snapshot = request.snapshot;
    Gateway& gateway = *request.gateway;
    // Only the pools serving the backends as configured now: a reload that changed a
    // backend's address leaves its old pool to drain on its own.
    std::map<std::string, upstream::PoolStats, std::less<>> pools;
    const std::vector<upstream::PoolStats> all = co_await gateway.pool_stats();
    for (const upstream::PoolStats& stats : all) {
        const auto backend = snapshot.backends.find(stats.backend);
        if (backend == snapshot.backends.end() || backend->second->pool_key() != stats.pool_key) continue;
        upstream::PoolStats& sum = pools[stats.backend];
        sum.idle += stats.idle;
        sum.open += stats.open;
        sum.opened_total += stats.opened_total;
        sum.waiting += stats.waiting;
    }
    Json backends = Json::array();
    for (const auto& [name, backend] : snapshot.backends) {
        const config::Backend& settings = backend->settings();
        const upstream::PoolStats& pool = pools[name];
        // url is stored without credentials: the loader refuses "user@" in it.
        backends.push_back({{"name", name},
                            {"url", settings.url},
                            {"provider", config::provider_name(settings.provider)},
                            {"health_check", health_of(settings, gateway.health_checker())},
                            {"last_connect", backend->reachable() ? "ok" : "failed"},
                            {"pool",
                             {{"idle", pool.idle},
                              {"in_use", pool.open - pool.idle},
                              {"open", pool.open},
                              {"waiting", pool.waiting},
                              {"opened_total", pool.opened_total},
                              {"max", settings.pool.max_connections * gateway.worker_count()},
                              {"max_per_worker", settings.pool.max_connections}}}});
    }
    co_return json_answer(Json{{"object", "backends"}, {"workers", gateway.worker_count()}, {"backends", std::move(backends)}}.dump());
}

}  // namespace infergate::server::admin
