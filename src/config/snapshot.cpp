#include "infergate/config/snapshot.hpp"

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/quota/local_quota_store.hpp"
#include "infergate/stages/routing/route_builder.hpp"

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

auth::JwtIssuerSettings settings_of(const config::JwtIssuer& issuer) {
    return {.issuer = issuer.issuer,
            .audiences = issuer.audiences,
            .jwks_file = issuer.jwks_file,
            .pem_file = issuer.pem_file,
            .tenant_claim = issuer.tenant_claim,
            .models_claim = issuer.models_claim,
            .leeway = issuer.leeway};
}

// Reads every issuer's JWKS or PEM now: a file that holds no usable key fails the load (or
// the reload), never a request.
void load_jwt_issuers(Snapshot& snapshot, std::vector<std::string>& errors) {
    const auto& issuers = snapshot.config.auth.jwt;
    if (issuers.empty()) return;
    std::vector<auth::JwtIssuerSettings> settings;
    for (const config::JwtIssuer& issuer : issuers) settings.push_back(settings_of(issuer));
    auto verifier = auth::JwtVerifier::create(settings);
    if (auto* problems = std::get_if<std::vector<std::string>>(&verifier)) {
        for (const std::string& problem : *problems) {
            errors.push_back(snapshot.config.source + ": auth.jwt: " + problem);
        }
        return;
    }
    snapshot.jwt.emplace(std::get<auth::JwtVerifier>(std::move(verifier)));
}

void add_caller_metrics(Snapshot& snapshot, const std::string& key, const std::string& tenant) {
    snapshot.caller_metrics[key].emplace(
        tenant, std::make_unique<observability::KeyMetrics>(snapshot.metrics, key, tenant));
}

// A key's series carry its one tenant; an issuer's, any declared tenant or none (a token
// naming an undeclared tenant is refused, so no other label value can appear).
void add_all_caller_metrics(Snapshot& snapshot) {
    snapshot.config.auth.for_each_identity(
        [&](const config::ApiKey& key) { add_caller_metrics(snapshot, key.id, key.tenant); });
    for (const config::JwtIssuer& issuer : snapshot.config.auth.jwt) {
        const std::string& key = issuer.principal_id;  // what a token's Principal carries
        add_caller_metrics(snapshot, key, "");
        for (const auto& [tenant, settings] : snapshot.config.tenants) add_caller_metrics(snapshot, key, tenant);
    }
}

// Series only where a policy can act: any model's, or every model's once a key has some.
void add_policy_metrics(Snapshot& snapshot) {
    const auto& config = snapshot.config;
    bool any_key = false;
    config.auth.for_each_identity([&](const config::ApiKey& key) { any_key = any_key || !key.policies.empty(); });
    for (const auto& [name, model] : config.models) {
        if (!any_key && model.policies.empty()) continue;
        snapshot.policy_metrics.emplace(name, std::make_unique<observability::PolicyMetrics>(snapshot.metrics, name));
    }
}

// A backend whose address and limits did not change keeps its admission queue over a reload:
// its in-flight requests still hold slots of it, and a second queue would double the limit.
std::shared_ptr<routing::AdmissionQueue> kept_admission(const Snapshot* previous, const config::Backend& settings) {
    if (previous == nullptr) return nullptr;
    const auto found = previous->backends.find(settings.name);
    if (found == previous->backends.end()) return nullptr;
    const config::Backend& before = found->second->settings();
    const bool same = before.url == settings.url && before.admission.max_concurrency == settings.admission.max_concurrency &&
                      before.admission.max_queue == settings.admission.max_queue &&
                      before.admission.max_wait == settings.admission.max_wait;
    return same ? found->second->admission_queue() : nullptr;
}

// Reads server.tls's files again: a rotated certificate takes effect with the next snapshot.
void load_tls_server(Snapshot& snapshot, std::vector<std::string>& errors) {
    const auto& settings = snapshot.config.server.tls;
    if (!settings) return;
    auto built = tls::make_server_context(*settings);
    if (const auto* error = std::get_if<tls::FileError>(&built)) {
        static constexpr std::string_view kKeys[] = {"cert_file", "key_file", "client_ca_file"};
        errors.push_back(fmt::format("{}: server.tls.{}: {}", snapshot.config.source,
                                     kKeys[static_cast<int>(error->file)], error->message));
        return;
    }
    snapshot.tls_server = std::get<tls::ServerContextPtr>(std::move(built));
}

}  // namespace

Snapshot::Snapshot(config::Config config, std::uint64_t generation, observability::Metrics& metrics)
    : config(std::move(config)),
      generation(generation),
      built_at(std::chrono::system_clock::now()),
      metrics(metrics),
      keys(this->config),
      pipeline(pipeline::make_pipeline()),
      models_body(render_models(this->config)) {}

std::string Snapshot::models_body_for(const auth::Principal& principal) const {
    return render_models(config, &principal);
}

observability::KeyMetrics* Snapshot::metrics_for(std::string_view key, std::string_view tenant) const {
    const auto by_key = caller_metrics.find(key);
    if (by_key == caller_metrics.end()) return nullptr;
    const auto by_tenant = by_key->second.find(tenant);
    return by_tenant == by_key->second.end() ? nullptr : by_tenant->second.get();
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
            snapshot->backends.emplace(name, std::make_shared<const upstream::Backend>(
                                                 settings, metrics, kept_admission(previous, settings)));
        } catch (const std::exception& error) {
            build.errors.push_back(snapshot->config.source + ": " + error.what());
        }
    }
    if (!build.errors.empty()) return build;

    snapshot->routes = routing::build_route_table(snapshot->config, snapshot->backends, metrics,
                                                  previous != nullptr ? &previous->routes : nullptr, build.errors);
    if (!build.errors.empty()) return build;
    try {
        snapshot->quota_store = previous != nullptr && previous->quota_store
                                    ? previous->quota_store
                                    : std::make_shared<quota::LocalQuotaStore>(snapshot->config.quota.time_zone);
    } catch (const std::exception& error) {  // a time zone the system's tzdata lacks
        build.errors.push_back(snapshot->config.source + ": quota.time_zone: " + error.what());
        return build;
    }
    if (const auto& cache = snapshot->config.server.cache) {
        const bool same = previous != nullptr && previous->response_cache && previous->response_cache->settings == *cache;
        snapshot->response_cache = same ? previous->response_cache : std::make_shared<cache::CacheStore>(*cache);
    }
    const std::int64_t failures = snapshot->config.auth.max_failures_per_minute;
    if ((snapshot->config.auth.enabled() || snapshot->config.admin.key_sha256) && failures > 0) {
        const bool same = previous != nullptr && previous->failure_limiter &&
                          previous->failure_limiter->failures_per_minute() == failures;
        snapshot->failure_limiter = same ? previous->failure_limiter : std::make_shared<auth::FailureLimiter>(failures);
    }
    load_jwt_issuers(*snapshot, build.errors);
    load_tls_server(*snapshot, build.errors);
    if (!build.errors.empty()) return build;
    // Token callers have no scope of their own: their tenant's limits apply.
    std::vector<std::string> live_scopes;
    snapshot->config.auth.for_each_identity([&](const config::ApiKey& key) { live_scopes.push_back("key:" + key.id); });
    for (const auto& [name, tenant] : snapshot->config.tenants) live_scopes.push_back("tenant:" + name);
    snapshot->quota_store->retain(live_scopes);
    add_all_caller_metrics(*snapshot);
    add_policy_metrics(*snapshot);
    {
        quota::QuotaStore* store = snapshot->quota_store.get();
        const Snapshot& built = *snapshot;
        snapshot->keys.bind(
            [store](std::string_view scope) { return store != nullptr ? store->resolve(scope) : nullptr; },
            [&built](std::string_view key, std::string_view tenant) { return built.metrics_for(key, tenant); });
    }
    metrics.config_generation.Set(static_cast<double>(generation));
    if (snapshot->tls_server) metrics.set_tls_certificate_expiry(snapshot->tls_server->not_after());
    build.snapshot = std::move(snapshot);
    return build;
}

}  // namespace infergate
