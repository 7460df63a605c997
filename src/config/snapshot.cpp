#include "infergate/config/snapshot.hpp"

#include <ctime>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace infergate {
namespace {

std::string render_models(const config::Config& config) {
    const auto created = static_cast<std::int64_t>(std::time(nullptr));
    nlohmann::ordered_json list{{"object", "list"}, {"data", nlohmann::ordered_json::array()}};
    for (const auto& [name, model] : config.models) {
        list["data"].push_back(
            {{"id", name}, {"object", "model"}, {"created", created}, {"owned_by", "infergate"}});
    }
    return list.dump();
}

}  // namespace

Snapshot::Snapshot(config::Config config, std::uint64_t generation)
    : config(std::move(config)),
      generation(generation),
      pipeline(pipeline::make_pipeline()),
      models_body(render_models(this->config)) {}

bool Snapshot::any_backend_reachable() const noexcept {
    for (const auto& [name, backend] : backends) {
        if (backend->reachable()) return true;
    }
    return false;
}

SnapshotBuild build_snapshot(config::Config config, std::uint64_t generation,
                             observability::Metrics& metrics) {
    auto snapshot = std::make_shared<Snapshot>(std::move(config), generation);
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
    metrics.config_generation.Set(static_cast<double>(generation));
    build.snapshot = std::move(snapshot);
    return build;
}

}  // namespace infergate
