#include "infergate/stages/routing/route_builder.hpp"

#include <fmt/format.h>

namespace infergate::routing {
namespace {

Strategy strategy_of(config::Balancing balancing) {
    switch (balancing) {
        case config::Balancing::weighted: return Strategy::weighted;
        case config::Balancing::least_outstanding: return Strategy::least_outstanding;
        case config::Balancing::prefix_affinity: return Strategy::prefix_affinity;
        case config::Balancing::p2c_ewma: break;
    }
    return Strategy::p2c_ewma;
}

bool same_breaker(const BreakerSettings& a, const BreakerSettings& b) {
    return a.consecutive_failures == b.consecutive_failures && a.error_rate == b.error_rate &&
           a.min_requests == b.min_requests && a.window == b.window && a.base_ejection == b.base_ejection &&
           a.max_ejection == b.max_ejection && a.unhealthy_threshold == b.unhealthy_threshold &&
           a.healthy_threshold == b.healthy_threshold;
}

// The previous snapshot's state for the same target, if its breaker works the same way.
std::shared_ptr<TargetState> carried_state(const Route* previous, const std::string& backend,
                                           const std::string& upstream_model, const BreakerSettings& settings) {
    if (previous == nullptr) return nullptr;
    for (const RouteTarget& target : previous->targets) {
        if (target.backend->name() == backend && target.upstream_model == upstream_model &&
            same_breaker(target.state->breaker.settings(), settings)) {
            return target.state;
        }
    }
    return nullptr;
}

// A drain is the operator's, not the breaker's: it outlives a change of breaker settings.
bool was_drained(const Route* previous, const std::string& backend, const std::string& upstream_model) {
    if (previous == nullptr) return false;
    for (const RouteTarget& target : previous->targets) {
        if (target.backend->name() == backend && target.upstream_model == upstream_model) return target.state->is_drained();
    }
    return false;
}

std::unique_ptr<Route> compile_route(const std::string& name, const config::Model& model,
                                     const BackendMap& backends, observability::Metrics& metrics,
                                     const Route* previous) {
    auto route = std::make_unique<Route>();
    route->model = name;
    route->settings = &model;
    route->passthrough = name == "*";
    std::vector<std::uint32_t> weights;
    for (const config::Target& target : model.targets) {
        RouteTarget compiled;
        compiled.backend = backends.at(target.backend);  // validated by the loader
        compiled.upstream_model = target.model.empty() ? name : target.model;
        compiled.weight = target.weight;
        const config::Backend& backend = compiled.backend->settings();
        const BreakerSettings settings = breaker_settings(backend.outlier, backend.health_check);
        compiled.state = carried_state(previous, target.backend, compiled.upstream_model, settings);
        if (!compiled.state) {
            compiled.state = std::make_shared<TargetState>(settings);
            compiled.state->drained = was_drained(previous, target.backend, compiled.upstream_model);
        }
        compiled.metrics = std::make_unique<observability::TargetMetrics>(metrics, name, target.backend);
        weights.push_back(target.weight);
        route->targets.push_back(std::move(compiled));
    }
    route->balancer = make_balancer(strategy_of(model.balancing), weights);
    const config::RetryPolicy& retry = model.retry;
    if (previous != nullptr && previous->retry_budget &&
        previous->retry_budget->ratio() == retry.budget_ratio &&
        previous->settings->retry.budget_min_per_second == retry.budget_min_per_second) {
        route->retry_budget = previous->retry_budget;
    } else {
        route->retry_budget = std::make_shared<RetryBudget>(retry.budget_ratio, retry.budget_min_per_second);
    }
    return route;
}

}  // namespace

BreakerSettings breaker_settings(const config::OutlierDetection& outlier, const config::HealthCheck& check) {
    BreakerSettings settings;
    settings.consecutive_failures = outlier.consecutive_failures;
    settings.error_rate = outlier.error_rate;
    settings.min_requests = outlier.min_requests;
    settings.window = outlier.window;
    settings.base_ejection = outlier.base_ejection;
    settings.max_ejection = outlier.max_ejection;
    // Without checks the thresholds are 0, so turning checks off builds a fresh breaker: one
    // carried over could stay ejected by checks that no longer run.
    settings.unhealthy_threshold = check.enabled ? check.unhealthy_threshold : 0;
    settings.healthy_threshold = check.enabled ? check.healthy_threshold : 0;
    return settings;
}

RouteTable build_route_table(const config::Config& config, const BackendMap& backends,
                             observability::Metrics& metrics, const RouteTable* previous,
                             std::vector<std::string>& errors) {
    RouteTable table;
    for (const auto& [name, model] : config.models) {
        if (!model.alias_of.empty()) continue;
        if (model.targets.size() > kMaxCandidates) {
            errors.push_back(fmt::format("{}: models.{}.targets: at most {} targets per model", config.source,
                                         name, kMaxCandidates));
            continue;
        }
        const Route* before = nullptr;
        if (previous != nullptr) {
            const auto found = previous->routes().find(name);
            if (found != previous->routes().end()) before = found->second.get();
        }
        table.add(name, compile_route(name, model, backends, metrics, before));
    }
    if (!errors.empty()) return table;
    for (const auto& [name, model] : config.models) {
        if (!model.alias_of.empty()) {
            table.add_alias(name, table.find(model.alias_of));
            continue;
        }
        Route& route = *table.mutable_route(name);
        for (const std::string& fallback : model.fallback.models) route.fallbacks.push_back(table.find(fallback));
        if (model.canary) route.canary = table.find(model.canary->model);
    }
    for (const config::RouteRule& rule : config.rules) table.add_rule({&rule, table.find(rule.model)});
    return table;
}

}  // namespace infergate::routing
