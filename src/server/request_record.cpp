#include "infergate/server/request_record.hpp"

#include "infergate/config/snapshot.hpp"
#include "infergate/observability/access_log.hpp"
#include "infergate/server/gateway.hpp"
#include "infergate/server/worker.hpp"

namespace infergate::server {
namespace {

constexpr unsigned kClientClosedRequest = 499;  // nginx's convention for "client went away"

double milliseconds(pipeline::Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

void record_proxied(Worker& worker, const pipeline::RequestContext& ctx, std::string_view peer,
                    std::uint64_t bytes_in, const pipeline::Completion& done,
                    pipeline::Clock::time_point ended_at) {
    auto& metrics = worker.gateway().metrics();
    const unsigned status = done.client_disconnected ? kClientClosedRequest : done.status;
    const auto elapsed = ended_at - ctx.received_at;
    if (done.client_disconnected) metrics.client_disconnects.Increment();

    observability::AccessRecord record;
    record.request_id = ctx.request_id;
    record.peer = peer;
    record.method = ctx.headers.method_string();
    record.path = path_of(ctx.headers.target());
    record.model = ctx.request.model;
    if (ctx.route != nullptr && !ctx.route->passthrough && ctx.route->model != ctx.request.model) {
        record.served_model = ctx.route->model;
    }
    record.attempts = done.failed_attempts;
    record.key_id = ctx.principal.key_id;
    record.tenant = ctx.principal.tenant;
    record.key_fingerprint = ctx.credential_fingerprint;
    record.status = status;
    record.code = done.code;
    record.stream = ctx.request.stream;
    record.duration_ms = milliseconds(elapsed);
    record.bytes_in = bytes_in;
    record.bytes_out = done.bytes_out;
    if (done.upstream_head_at) record.upstream_first_byte_ms = milliseconds(*done.upstream_head_at - ctx.received_at);
    if (done.first_event_at) record.time_to_first_token_ms = milliseconds(*done.first_event_at - ctx.received_at);
    if (done.usage) {
        record.prompt_tokens = done.usage->prompt_tokens;
        record.completion_tokens = done.usage->completion_tokens;
    }

    if (ctx.reply) {
        // A cache hit: no backend served it, and its speed says nothing about the target's.
        // Counted in infergate_cache_requests_total{result="hit"}.
        record.backend = "cache";
    } else if (const routing::RouteTarget* target = ctx.target) {
        record.backend = target->backend->name();
        record.upstream_model = routing::upstream_model(*ctx.route, *target, ctx.request.model);
        auto& m = *target->metrics;
        m.requests.increment(status);
        m.duration.Observe(std::chrono::duration<double>(elapsed).count());
        if (done.first_event_at) {
            m.time_to_first_token.Observe(
                std::chrono::duration<double>(*done.first_event_at - ctx.received_at).count());
            // Time per output token: the stream's time after the first event, per later token.
            const std::int64_t tokens = done.usage ? done.usage->completion_tokens : done.events_relayed;
            if (tokens > 1) {
                m.time_per_output_token.Observe(
                    std::chrono::duration<double>(ended_at - *done.first_event_at).count() /
                    static_cast<double>(tokens - 1));
            }
        }
        if (done.usage) {
            m.input_tokens.Increment(static_cast<double>(done.usage->prompt_tokens));
            m.output_tokens.Increment(static_cast<double>(done.usage->completion_tokens));
        }
    } else if (ctx.request.model.empty()) {
        metrics.unrouted_requests.increment(status);
    } else {
        metrics.unknown_model_requests.increment(status);
    }
    worker.access_log().write(record);
}

void record_unrouted(Worker& worker, const http::request<http::string_body>& request,
                     std::string_view request_id, std::string_view peer,
                     const pipeline::Completion& done, pipeline::Clock::time_point received_at,
                     pipeline::Clock::time_point ended_at) {
    const unsigned status = done.client_disconnected ? kClientClosedRequest : done.status;
    worker.gateway().metrics().unrouted_requests.increment(status);
    observability::AccessRecord record;
    record.request_id = request_id;
    record.peer = peer;
    record.method = request.method_string();
    record.path = path_of(request.target());
    record.status = status;
    record.code = done.code;
    record.duration_ms = milliseconds(ended_at - received_at);
    record.bytes_in = request.body().size();
    record.bytes_out = done.bytes_out;
    worker.access_log().write(record);
}

}  // namespace infergate::server
