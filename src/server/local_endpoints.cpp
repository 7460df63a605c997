#include "infergate/server/local_endpoints.hpp"

#include <chrono>

#include "infergate/config/snapshot.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/stages/auth/authenticator.hpp"
#include "infergate/stages/quota/usage_report.hpp"
#include "infergate/stages/routing/route_table.hpp"

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

// infergate_target_healthy follows each target's breaker, whose cooldown ends with time
// rather than with traffic: it is read when scraped.
void refresh_target_health(const Snapshot& snapshot) {
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [name, route] : snapshot.routes.routes()) {
        for (const routing::RouteTarget& target : route->targets) {
            target.metrics->healthy.Set(target.state->breaker.ejected(now) ? 0 : 1);
        }
    }
}

}  // namespace

net::awaitable<LocalAnswer> answer_locally(const LocalRequest& request) {
    const Snapshot& snapshot = request.snapshot;
    switch (request.endpoint) {
        case api::Endpoint::healthz: co_return json(R"({"status":"ok"})");
        case api::Endpoint::readyz: {
            const bool ready = !request.draining && snapshot.any_backend_reachable();
            LocalAnswer answer = json(ready ? R"({"status":"ready"})" : R"({"status":"not_ready"})");
            answer.status = ready ? 200 : 503;
            co_return answer;
        }
        case api::Endpoint::metrics: {
            refresh_target_health(snapshot);
            LocalAnswer answer = json(request.metrics.serialize());
            answer.content_type = "text/plain; version=0.0.4";
            co_return answer;
        }
        case api::Endpoint::admin_usage: {
            // No admin key configured: there is no admin API to find.
            if (!snapshot.config.admin.key_sha256) {
                LocalAnswer answer;
                answer.error = api::route_not_found(request.headers.target());
                co_return answer;
            }
            auto verdict = auth::authenticate_admin(request.headers, request.client_address, snapshot);
            if (std::holds_alternative<api::Error>(verdict.result)) co_return refused(verdict);
            co_return json(co_await quota::render_usage_report(snapshot));
        }
        default: break;
    }
    // The model list and the usage report are the caller's own: with auth on, only what its
    // key or token allows.
    auth::Principal caller;
    if (snapshot.config.auth.enabled()) {
        auto verdict = auth::authenticate_client(request.headers, request.client_address, snapshot,
                                                 std::chrono::system_clock::now());
        if (std::holds_alternative<api::Error>(verdict.result)) co_return refused(verdict);
        caller = std::move(std::get<auth::Principal>(verdict.result));
    }
    if (request.endpoint == api::Endpoint::usage) co_return json(co_await quota::render_caller_usage(snapshot, caller));
    co_return json(snapshot.config.auth.enabled() ? snapshot.models_body_for(caller) : snapshot.models_body);
}

}  // namespace infergate::server
