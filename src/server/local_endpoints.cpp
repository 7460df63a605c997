#include "infergate/server/local_endpoints.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "infergate/config/snapshot.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/server/admin/admin_api.hpp"
#include "infergate/server/config_reloader.hpp"
#include "infergate/stages/auth/authenticator.hpp"
#include "infergate/stages/cache/cache_metrics.hpp"
#include "infergate/stages/quota/usage_report.hpp"
#include "infergate/stages/routing/route_health.hpp"
#include "infergate/stages/routing/target_report.hpp"

namespace infergate::server {
namespace {

LocalAnswer refused(auth::AuthVerdict& verdict) {
    LocalAnswer answer;
    answer.error = std::move(std::get<api::Error>(verdict.result));
    answer.extra_headers = std::move(verdict.response_headers);
    return answer;
}

LocalAnswer json(std::string body) {
    LocalAnswer answer;
    answer.body = std::move(body);
    return answer;
}

// Ready: not draining, the last connect to some backend worked (or none was tried), and every
// model has a target that is not ejected (by outlier detection or health checks). A not-ready
// answer says why, and names the models that cannot be served.
LocalAnswer readiness(const Snapshot& snapshot, bool draining) {
    nlohmann::ordered_json body{{"status", "not_ready"}};
    if (draining) {
        body["reason"] = "draining";
    } else if (!snapshot.any_backend_reachable()) {
        body["reason"] = "no_backend_reachable";
    } else if (auto models = routing::unavailable_models(snapshot.routes, std::chrono::steady_clock::now());
               !models.empty()) {
        body["reason"] = "models_unavailable";
        body["models"] = std::move(models);
    } else {
        return json(R"({"status":"ready"})");
    }
    LocalAnswer answer = json(body.dump());
    answer.status = 503;
    return answer;
}

// The reload runs on the control thread, like SIGHUP's; this worker serves its other
// connections while it waits for the result.
net::awaitable<LocalAnswer> reload(const LocalRequest& request) {
    if (request.reloader == nullptr) {
        LocalAnswer answer;
        answer.error = api::route_not_found(request.headers.target());
        co_return answer;
    }
    const ReloadResult result = co_await request.reloader->reload_on_control();
    nlohmann::ordered_json body{{"result", result.ok ? "success" : "failure"},
                                {"generation", result.generation},
                                {"hash", result.hash}};
    if (!result.ok) body["errors"] = result.errors;  // the old config is still serving
    LocalAnswer answer = json(body.dump());
    if (!result.ok) answer.status = 422;
    co_return answer;
}

}  // namespace

net::awaitable<LocalAnswer> answer_locally(const LocalRequest& request) {
    const Snapshot& snapshot = request.snapshot;
    switch (request.endpoint) {
        case api::Endpoint::healthz: co_return json(R"({"status":"ok"})");
        case api::Endpoint::readyz: co_return readiness(snapshot, request.draining);
        case api::Endpoint::metrics: {
            // Breakers change state by time alone (a cooldown ends): read them now.
            routing::refresh_target_gauges(snapshot.routes, std::chrono::steady_clock::now());
            cache::export_cache_metrics(snapshot.response_cache.get(), request.metrics);
            LocalAnswer answer = json(request.metrics.serialize());
            answer.content_type = "text/plain; version=0.0.4";
            co_return answer;
        }
        case api::Endpoint::admin_usage:
        case api::Endpoint::admin_targets:
        case api::Endpoint::admin_reload:
        case api::Endpoint::admin_config:
        case api::Endpoint::admin_backends:
        case api::Endpoint::admin_drain:
        case api::Endpoint::admin_undrain:
        case api::Endpoint::admin_keys:
        case api::Endpoint::admin_key: {
            // No admin key configured: there is no admin API to find.
            if (!snapshot.config.admin.key_sha256) {
                LocalAnswer answer;
                answer.error = api::route_not_found(request.headers.target());
                co_return answer;
            }
            auto verdict = auth::authenticate_admin(request.headers, request.client_address, snapshot);
            if (std::holds_alternative<api::Error>(verdict.result)) co_return refused(verdict);
            if (request.endpoint == api::Endpoint::admin_reload) {
                LocalAnswer answer = co_await reload(request);
                co_return answer;
            }
            if (request.endpoint == api::Endpoint::admin_targets) {
                co_return json(routing::render_target_report(snapshot.routes, std::chrono::steady_clock::now(),
                                                             std::chrono::system_clock::now()));
            }
            if (request.endpoint == api::Endpoint::admin_usage) {
                co_return json(co_await quota::render_usage_report(snapshot));
            }
            co_return co_await admin::answer(request);
        }
        default: break;
    }
    // The model list and the usage report are the caller's own: with auth on, only what its
    // key or token allows.
    auth::Principal caller;
    if (snapshot.config.auth.enabled()) {
        auto verdict = auth::authenticate_client(request.headers, request.client_address, snapshot,
                                                 std::chrono::system_clock::now(), request.peer_certificate);
        if (std::holds_alternative<api::Error>(verdict.result)) co_return refused(verdict);
        caller = std::move(std::get<auth::Principal>(verdict.result));
    }
    if (request.endpoint == api::Endpoint::usage) co_return json(co_await quota::render_caller_usage(snapshot, caller));
    co_return json(snapshot.config.auth.enabled() ? snapshot.models_body_for(caller) : snapshot.models_body);
}

}  // namespace infergate::server
