// Everything a request needs, compiled from one Config and then frozen: the route table,
// backends, the pipeline, and pre-rendered answers. Requests pin a SnapshotPtr for their
// whole life, so a reload is a swap of the pointer, never an edit.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/config/config.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/pipeline/pipeline.hpp"
#include "infergate/stages/auth/failure_limiter.hpp"
#include "infergate/stages/auth/jwt_verifier.hpp"
#include "infergate/stages/auth/key_registry.hpp"
#include "infergate/stages/auth/principal.hpp"
#include "infergate/stages/cache/cache_store.hpp"
#include "infergate/stages/quota/quota_store.hpp"
#include "infergate/stages/routing/route_table.hpp"
#include "infergate/tls/server_context.hpp"
#include "infergate/upstream/backend.hpp"

namespace infergate {

struct Snapshot {
    Snapshot(config::Config config, std::uint64_t generation, observability::Metrics& metrics);

    const config::Config config;
    const std::uint64_t generation;
    const std::chrono::system_clock::time_point built_at;  // when it was loaded (GET /admin/config)
    observability::Metrics& metrics;
    auth::KeyRegistry keys;
    // Like the quota store, kept across reloads (unless its setting changes); null: auth off.
    std::shared_ptr<auth::FailureLimiter> failure_limiter;
    // With auth.jwt issuers: their keys, read from the files when the snapshot is built.
    std::optional<auth::JwtVerifier> jwt;
    // Counters outlive snapshots: a reload hands the same store to the next one.
    std::shared_ptr<quota::QuotaStore> quota_store;
    // With server.cache; kept across reloads that leave server.cache unchanged. Null: no cache.
    std::shared_ptr<cache::CacheStore> response_cache;
    // Per-caller series by their labels: key ("app1", or "jwt:<issuer name>" for every token
    // of that issuer), then tenant. Both come from the config, so the set stays bounded.
    template <typename T>
    using ByName = std::map<std::string, T, std::less<>>;
    ByName<ByName<std::unique_ptr<observability::KeyMetrics>>> caller_metrics;
    observability::KeyMetrics* metrics_for(std::string_view key, std::string_view tenant) const;
    // infergate_policy_actions_total by model; empty when no model or key has policies.
    ByName<std::unique_ptr<observability::PolicyMetrics>> policy_metrics;
    // With server.tls: the context new HTTPS connections handshake with, built from the files
    // when this snapshot was (a reload re-reads them; open connections keep the one they had).
    tls::ServerContextPtr tls_server;
    std::map<std::string, upstream::BackendPtr, std::less<>> backends;
    routing::RouteTable routes;
    pipeline::Pipeline pipeline;
    std::string models_body;  // GET /v1/models, rendered once (auth off: everyone sees all)
    // GET /v1/models for one caller: only the models it may use.
    std::string models_body_for(const auth::Principal& principal) const;

    // Ready to serve: at least one backend whose last connect did not fail.
    bool any_backend_reachable() const noexcept;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

struct SnapshotBuild {
    SnapshotPtr snapshot;             // null iff errors is non-empty
    std::vector<std::string> errors;
};

// Builds runtime objects (TLS contexts, metric children). Errors here are environmental
// (an unreadable CA file), reported like config errors.
// `previous` (the snapshot being replaced, if any) lends its quota store, so that usage
// counters of keys and tenants that still exist survive the reload.
SnapshotBuild build_snapshot(config::Config config, std::uint64_t generation,
                             observability::Metrics& metrics, const Snapshot* previous = nullptr);

}  // namespace infergate
