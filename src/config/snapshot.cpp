#include "infergate/config/snapshot.hpp"

#include <ctime>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "infergate/stages/quota/local_quota_store.hpp"

namespace infergate {
namespace {

std::string render_models(const config::Config& config, const auth::Principal* caller = nullptr) {
    const auto created = static_cast<std::int64_t>(std::time(nullptr));
    nlohmann::ordered_json list{{"object", "list"}, {"data", nlohmann::ordered_json::array()}};
    for (const auto& [name, model] : config.models) {
        if (caller != nullptr && !caller->may_use(name)) continue;
        list["data"].push_back(
            {{"id", name}, {"object", "model"}, {"created", created}, {"owned_by", "infergate"}});
    }
    return list.dump();
}

}  // namespace

Snapshot::Snapshot(config::Config config, std::uint64_t generation, observability::Metrics& metrics)
    : config(std::move(config)),
      generation(generation),
      metrics(metrics),
      keys(this->config),
      pipeline(pipeline::make_pipeline()),
      models_body(render_models(this->config)) {}

std::string Snapshot::models_body_for(const auth::Principal& principal) const {
    return render_models(config, &principal);
}

bool Snapshot::any_backend_reachable() const noexcept {
    for (const auto& [name, backend] : backends) {
        if (backend->reachable()) return true;
    }
    return false;
}

SnapshotBuild build_snapshot(config::Config config, std::uint64_t generation,
                             observability::Metrics& metrics, const Snapshot* previous) {
    auto snapshot = std::make_shared<Snapshot>(std::move(config), generation, metrics);
    SnapshotBuild build;
    for (const auto& [name, settings] : snapshot->config.backends) {
        try {
            snapshot->backends.emplace(name, std::make_shared<const upstream::Backend>(settings, metrics));
        } catch (const std::exception& error) {
            build.errors.push_back(snapshot->config.source + ": " + error.what());
        }
    }
    if (!build.errors.empty()) return build;

    for (const auto& [name, model] : snapshot->config.models) {
        auto route = std::make_unique<routing::Route>();
        route->model = name;
        for (const config::Target& target : model.targets) {
            routing::RouteTarget compiled;
            compiled.backend = snapshot->backends.at(target.backend);  // validated by the loader
            compiled.upstream_model = target.model.empty() ? name : target.model;
            compiled.renames = compiled.upstream_model != name;
            compiled.metrics =
                std::make_unique<observability::TargetMetrics>(metrics, name, target.backend);
            route->targets.push_back(std::move(compiled));
        }
        snapshot->routes.emplace(name, std::move(route));
    }
    try {
        snapshot->quota_store = previous != nullptr && previous->quota_store
                                    ? previous->quota_store
                                    : std::make_shared<quota::LocalQuotaStore>(snapshot->config.quota.time_zone);
    } catch (const std::exception& error) {  // a time zone the system's tzdata lacks
        build.errors.push_back(snapshot->config.source + ": quota.time_zone: " + error.what());
        return build;
    }
    const std::int64_t failures = snapshot->config.auth.max_failures_per_minute;
    if ((snapshot->config.auth.enabled() || snapshot->config.admin.key_sha256) && failures > 0) {
        const bool same = previous != nullptr && previous->failure_limiter &&
                          previous->failure_limiter->failures_per_minute() == failures;
        snapshot->failure_limiter = same ? previous->failure_limiter : std::make_shared<auth::FailureLimiter>(failures);
    }
    std::vector<std::string> live_scopes;
    for (const config::ApiKey& key : snapshot->config.auth.keys) {
        live_scopes.push_back("key:" + key.id);
        snapshot->key_metrics.emplace(key.id, std::make_unique<observability::KeyMetrics>(metrics, key.id, key.tenant));
    }
    for (const auto& [name, tenant] : snapshot->config.tenants) live_scopes.push_back("tenant:" + name);
    snapshot->quota_store->retain(live_scopes);
    metrics.config_generation.Set(static_cast<double>(generation));
    build.snapshot = std::move(snapshot);
    return build;
}

}  // namespace infergate
