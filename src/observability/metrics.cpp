#include "infergate/observability/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace infergate::observability {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// Seconds. Request durations span cached embeddings (ms) to long generations (minutes).
const Histogram::BucketBoundaries kDurationBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320, 640};
const Histogram::BucketBoundaries kFirstTokenBuckets = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60};
const Histogram::BucketBoundaries kPerTokenBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5,
    0.75, 1, 2.5};

}  // namespace

std::string_view label(UpstreamError kind) noexcept {
    switch (kind) {
        case UpstreamError::dns: return "dns";
        case UpstreamError::connect_refused: return "connect_refused";
        case UpstreamError::connect_timeout: return "connect_timeout";
        case UpstreamError::tls: return "tls";
        case UpstreamError::reset: return "reset";
        case UpstreamError::first_byte_timeout: return "first_byte_timeout";
        case UpstreamError::first_token_timeout: return "first_token_timeout";
        case UpstreamError::queue_full: return "queue_full";
        case UpstreamError::queue_timeout: return "queue_timeout";
        case UpstreamError::idle_timeout: return "idle_timeout";
        case UpstreamError::total_timeout: return "total_timeout";
        case UpstreamError::protocol: return "protocol";
        case UpstreamError::too_large: return "too_large";
        case UpstreamError::pool_timeout: return "pool_timeout";
        case UpstreamError::auth_refused: return "auth_refused";
        case UpstreamError::count: break;
    }
    return "other";
}

std::string_view label(ClientError kind) noexcept {
    switch (kind) {
        case ClientError::bad_request: return "bad_request";
        case ClientError::header_too_large: return "header_too_large";
        case ClientError::body_too_large: return "body_too_large";
        case ClientError::header_timeout: return "header_timeout";
        case ClientError::body_timeout: return "body_timeout";
        case ClientError::write_timeout: return "write_timeout";
        case ClientError::internal: return "internal";
        case ClientError::bad_request_line: return "bad_request_line";
        case ClientError::bad_line_ending: return "bad_line_ending";
        case ClientError::bad_header_field: return "bad_header_field";
        case ClientError::bad_transfer_encoding: return "bad_transfer_encoding";
        case ClientError::bad_content_length: return "bad_content_length";
        case ClientError::bad_host: return "bad_host";
        case ClientError::bad_chunk: return "bad_chunk";
        case ClientError::count: break;
    }
    return "other";
}

std::string_view label(TlsFailure kind) noexcept {
    switch (kind) {
        case TlsFailure::timeout: return "timeout";
        case TlsFailure::client_closed: return "client_closed";
        case TlsFailure::protocol_version: return "protocol_version";
        case TlsFailure::no_shared_cipher: return "no_shared_cipher";
        case TlsFailure::no_client_certificate: return "no_client_certificate";
        case TlsFailure::bad_client_certificate: return "bad_client_certificate";
        case TlsFailure::not_tls: return "not_tls";
        case TlsFailure::other: break;
        case TlsFailure::count: break;
    }
    return "other";
}

StatusCounters::StatusCounters(Metrics& metrics, std::string model, std::string backend)
    : metrics_(metrics), model_(std::move(model)), backend_(std::move(backend)) {}

void StatusCounters::increment(unsigned status) {
    if (status < kMinStatus || status > kMaxStatus) status = 500;
    auto& slot = by_status_[status - kMinStatus];
    prometheus::Counter* counter = slot.load(std::memory_order_acquire);
    if (counter == nullptr) {
        // First request with this code: Family::Add is idempotent, so a race only resolves twice.
        counter = &metrics_.requests.Add(
            {{"model", model_}, {"backend", backend_}, {"code", std::to_string(status)}});
        slot.store(counter, std::memory_order_release);
    }
    counter->Increment();
}

TargetMetrics::TargetMetrics(Metrics& metrics, const std::string& model,
                             const std::string& backend)
    : requests(metrics, model, backend),
      duration(metrics.duration.Add({{"model", model}, {"backend", backend}}, kDurationBuckets)),
      time_to_first_token(metrics.time_to_first_token.Add(
          {{"model", model}, {"backend", backend}}, kFirstTokenBuckets)),
      time_per_output_token(metrics.time_per_output_token.Add(
          {{"model", model}, {"backend", backend}}, kPerTokenBuckets)),
      input_tokens(metrics.tokens.Add({{"model", model}, {"backend", backend}, {"type", "input"}})),
      output_tokens(
          metrics.tokens.Add({{"model", model}, {"backend", backend}, {"type", "output"}})),
      in_flight(metrics.in_flight.Add({{"model", model}, {"backend", backend}})),
      attempts_ok(metrics.upstream_attempts.Add({{"model", model}, {"backend", backend}, {"outcome", "ok"}})),
      attempts_failed(
          metrics.upstream_attempts.Add({{"model", model}, {"backend", backend}, {"outcome", "failed"}})),
      ejections(metrics.target_ejections.Add({{"model", model}, {"backend", backend}})),
      healthy(metrics.target_healthy.Add({{"model", model}, {"backend", backend}})) {
    healthy.Set(1);
}

BackendMetrics::BackendMetrics(Metrics& metrics, const std::string& backend)
    : idle(metrics.upstream_connections.Add({{"backend", backend}, {"state", "idle"}})),
      busy(metrics.upstream_connections.Add({{"backend", backend}, {"state", "busy"}})),
      connecting(metrics.upstream_connections.Add({{"backend", backend}, {"state", "connecting"}})),
      queue_depth(metrics.queue_depth.Add({{"backend", backend}})),
      queue_wait(metrics.queue_wait.Add({{"backend", backend}}, kFirstTokenBuckets)) {
    for (std::size_t i = 0; i < errors.size(); ++i) {
        errors[i] = &metrics.upstream_errors.Add(
            {{"backend", backend}, {"kind", std::string(label(static_cast<UpstreamError>(i)))}});
    }
}

KeyMetrics::KeyMetrics(Metrics& metrics, const std::string& key, const std::string& tenant)
    : requests(metrics.key_requests.Add({{"key", key}, {"tenant", tenant}})),
      input_tokens(metrics.key_tokens.Add({{"key", key}, {"tenant", tenant}, {"class", "input"}})),
      cached_input_tokens(metrics.key_tokens.Add({{"key", key}, {"tenant", tenant}, {"class", "cached_input"}})),
      output_tokens(metrics.key_tokens.Add({{"key", key}, {"tenant", tenant}, {"class", "output"}})),
      reasoning_tokens(metrics.key_tokens.Add({{"key", key}, {"tenant", tenant}, {"class", "reasoning"}})),
      spend_usd(metrics.key_spend.Add({{"key", key}, {"tenant", tenant}})) {}

std::string_view label(PolicyKind kind) noexcept {
    constexpr std::array<std::string_view, static_cast<std::size_t>(PolicyKind::count)> names = {
        "deny", "max_prompt_tokens", "redact", "system_prompt", "defaults", "overrides", "max_tokens_cap", "headers"};
    return names[static_cast<std::size_t>(kind)];
}

std::string_view action_label(PolicyKind kind) noexcept {
    switch (kind) {
        case PolicyKind::deny:
        case PolicyKind::max_prompt_tokens: return "rejected";
        case PolicyKind::redact: return "redacted";
        case PolicyKind::max_tokens_cap: return "capped";
        default: return "applied";
    }
}

PolicyMetrics::PolicyMetrics(Metrics& metrics, const std::string& model) {
    for (std::size_t i = 0; i < actions.size(); ++i) {
        const auto kind = static_cast<PolicyKind>(i);
        actions[i] = &metrics.policy_actions.Add(
            {{"model", model}, {"policy", std::string(label(kind))}, {"action", std::string(action_label(kind))}});
    }
}

Metrics::Metrics()
    : registry(std::make_shared<prometheus::Registry>()),
      requests(BuildCounter()
                   .Name("infergate_requests_total")
                   .Help("Model API requests answered, by public model, backend and HTTP status")
                   .Register(*registry)),
      duration(BuildHistogram()
                   .Name("gen_ai_server_request_duration_seconds")
                   .Help("Time from request received to response end (OTel gen_ai.server.request.duration)")
                   .Register(*registry)),
      time_to_first_token(
          BuildHistogram()
              .Name("gen_ai_server_time_to_first_token_seconds")
              .Help("Time from request received to the first streamed event sent (OTel gen_ai.server.time_to_first_token)")
              .Register(*registry)),
      time_per_output_token(
          BuildHistogram()
              .Name("gen_ai_server_time_per_output_token_seconds")
              .Help("Streaming time per output token after the first (OTel gen_ai.server.time_per_output_token)")
              .Register(*registry)),
      tokens(BuildCounter()
                 .Name("gen_ai_usage_tokens_total")
                 .Help("Tokens reported by upstream usage, by type input|output (OTel gen_ai.token.type)")
                 .Register(*registry)),
      in_flight(BuildGauge()
                    .Name("infergate_requests_in_flight")
                    .Help("Model API requests being proxied right now")
                    .Register(*registry)),
      upstream_connections(BuildGauge()
                               .Name("infergate_upstream_connections")
                               .Help("Upstream pool connections by state (idle|busy|connecting)")
                               .Register(*registry)),
      upstream_errors(BuildCounter()
                          .Name("infergate_upstream_errors_total")
                          .Help("Failed upstream exchanges by backend and kind")
                          .Register(*registry)),
      client_errors(BuildCounter()
                        .Name("infergate_client_errors_total")
                        .Help("Client connections ended by a protocol error or timeout, by reason")
                        .Register(*registry)),
      tls_handshake_failures(BuildCounter()
                                 .Name("infergate_tls_handshake_failures_total")
                                 .Help("TLS handshakes with clients that failed, by reason")
                                 .Register(*registry)),
      tls_handshakes(BuildCounter()
                         .Name("infergate_tls_handshakes_total")
                         .Help("TLS handshakes with clients that completed, by protocol version")
                         .Register(*registry)),
      tls_handshakes_12(tls_handshakes.Add({{"version", "TLSv1.2"}})),
      tls_handshakes_13(tls_handshakes.Add({{"version", "TLSv1.3"}})),
      tls_certificate_expiry(BuildGauge()
                                 .Name("infergate_tls_certificate_expiry_seconds")
                                 .Help("Unix time when the HTTPS listener's certificate expires (its notAfter)")
                                 .Register(*registry)),
      connections_accepted(BuildCounter()
                               .Name("infergate_connections_accepted_total")
                               .Help("Client connections accepted")
                               .Register(*registry)
                               .Add({})),
      connections_open(BuildGauge()
                           .Name("infergate_connections_open")
                           .Help("Client connections open now")
                           .Register(*registry)
                           .Add({})),
      connections_evicted(BuildCounter()
                              .Name("infergate_connections_evicted_total")
                              .Help("Client connections without a request in progress closed to make room "
                                    "for a new one at the connection limit")
                              .Register(*registry)
                              .Add({})),
      connections_refused(BuildCounter()
                              .Name("infergate_connections_refused_total")
                              .Help("Client connections closed on arrival: every connection was busy and "
                                    "the reserve was full")
                              .Register(*registry)
                              .Add({})),
      buffered_body_bytes(BuildGauge()
                              .Name("infergate_buffered_body_bytes")
                              .Help("Bytes claimed by request bodies held in memory now, against "
                                    "server.max_buffered_body_bytes")
                              .Register(*registry)
                              .Add({})),
      overload_refusals(BuildCounter()
                            .Name("infergate_overload_refusals_total")
                            .Help("Requests answered 503 gateway_overloaded by reason "
                                  "body_memory|connection_reserve")
                            .Register(*registry)),
      refused_for_body_memory(overload_refusals.Add({{"reason", "body_memory"}})),
      refused_on_reserve(overload_refusals.Add({{"reason", "connection_reserve"}})),
      accept_errors(BuildCounter()
                        .Name("infergate_accept_errors_total")
                        .Help("Failed accepts of client connections (EMFILE: descriptor limit reached); "
                              "each is followed by a 50 ms pause of that worker's acceptor")
                        .Register(*registry)
                        .Add({})),
      client_disconnects(BuildCounter()
                             .Name("infergate_client_disconnects_total")
                             .Help("Requests abandoned by the client before the response ended (logged as 499)")
                             .Register(*registry)
                             .Add({})),
      session_exceptions(BuildCounter()
                             .Name("infergate_session_exceptions_total")
                             .Help("Connections closed because of an unexpected internal error")
                             .Register(*registry)
                             .Add({})),
      config_generation(BuildGauge()
                            .Name("infergate_config_generation")
                            .Help("Generation number of the configuration being served")
                            .Register(*registry)
                            .Add({})),
      config_reloads(BuildCounter()
                         .Name("infergate_config_reload_total")
                         .Help("Configuration reloads by result success|failure")
                         .Register(*registry)),
      config_reloads_succeeded(config_reloads.Add({{"result", "success"}})),
      config_reloads_failed(config_reloads.Add({{"result", "failure"}})),
      config_last_reload_success(BuildGauge()
                                     .Name("infergate_config_last_reload_success_timestamp_seconds")
                                     .Help("Unix time when the configuration being served was loaded")
                                     .Register(*registry)
                                     .Add({})),
      config_info(BuildGauge()
                      .Name("infergate_config_info")
                      .Help("Always 1; label hash: the first 16 hex digits of the SHA-256 of the config file being served")
                      .Register(*registry)),
      key_requests(BuildCounter()
                       .Name("infergate_key_requests_total")
                       .Help("Model API requests by API key id and tenant")
                       .Register(*registry)),
      key_tokens(BuildCounter()
                     .Name("infergate_key_tokens_total")
                     .Help("Tokens used by API key id and tenant, by class input|cached_input|output|reasoning")
                     .Register(*registry)),
      key_spend(BuildCounter()
                    .Name("infergate_key_spend_usd_total")
                    .Help("Spend in USD from the configured prices, by API key id and tenant")
                    .Register(*registry)),
      quota_rejections(BuildCounter()
                           .Name("infergate_quota_rejections_total")
                           .Help("Requests over a limit, by scope key|tenant, limit and mode enforce|shadow")
                           .Register(*registry)),
      upstream_attempts(BuildCounter()
                            .Name("infergate_upstream_attempts_total")
                            .Help("Attempts sent to a route target, by outcome ok|failed (retries included)")
                            .Register(*registry)),
      retries(BuildCounter()
                  .Name("infergate_retries_total")
                  .Help("Attempts retried on the same model, by model and the failure that caused it")
                  .Register(*registry)),
      fallbacks(BuildCounter()
                    .Name("infergate_fallbacks_total")
                    .Help("Requests handed to a fallback model, by model and fallback")
                    .Register(*registry)),
      target_ejections(BuildCounter()
                           .Name("infergate_target_ejections_total")
                           .Help("Times a target was ejected by outlier detection or health checks")
                           .Register(*registry)),
      target_healthy(BuildGauge()
                         .Name("infergate_target_healthy")
                         .Help("1 while a target serves (or its cooldown ended), 0 while it is ejected")
                         .Register(*registry)),
      health_checks(BuildCounter()
                        .Name("infergate_health_checks_total")
                        .Help("Active health checks of a backend, by result pass|fail")
                        .Register(*registry)),
      queue_depth(BuildGauge()
                      .Name("infergate_backend_queue_depth")
                      .Help("Requests waiting for a saturated backend (max_concurrency)")
                      .Register(*registry)),
      queue_wait(BuildHistogram()
                     .Name("infergate_backend_queue_wait_seconds")
                     .Help("Time requests waited for a saturated backend, admitted or not")
                     .Register(*registry)),
      policy_actions(BuildCounter()
                         .Name("infergate_policy_actions_total")
                         .Help("Requests a policy rejected or rewrote, by model, policy and action")
                         .Register(*registry)),
      cache_requests(BuildCounter()
                         .Name("infergate_cache_requests_total")
                         .Help("Requests to models with the response cache on, by model and result hit|miss|bypass")
                         .Register(*registry)),
      cache_bytes(BuildGauge()
                      .Name("infergate_cache_bytes")
                      .Help("Bytes the response cache holds (bodies plus a fixed overhead per entry)")
                      .Register(*registry)
                      .Add({})),
      cache_entries(BuildGauge()
                        .Name("infergate_cache_entries")
                        .Help("Entries in the response cache")
                        .Register(*registry)
                        .Add({})),
      cache_evictions(BuildCounter()
                          .Name("infergate_cache_evictions_total")
                          .Help("Response cache entries removed, by reason size (LRU, to make room) or ttl")
                          .Register(*registry)),
      cache_evicted_for_size(cache_evictions.Add({{"reason", "size"}})),
      cache_expired(cache_evictions.Add({{"reason", "ttl"}})),
      unrouted_requests(*this, "none", "none"),
      unknown_model_requests(*this, "unknown", "none") {
    for (std::size_t i = 0; i < client_errors_.size(); ++i) {
        client_errors_[i] =
            &client_errors.Add({{"reason", std::string(label(static_cast<ClientError>(i)))}});
    }
    for (std::size_t i = 0; i < tls_failures_.size(); ++i) {
        tls_failures_[i] =
            &tls_handshake_failures.Add({{"reason", std::string(label(static_cast<TlsFailure>(i)))}});
    }
    BuildGauge()
        .Name("infergate_build_info")
        .Help("Build information")
        .Register(*registry)
        .Add({{"version", INFERGATE_VERSION}})
        .Set(1);
}

std::string Metrics::serialize() const {
    return prometheus::TextSerializer().Serialize(registry->Collect());
}

}  // namespace infergate::observability
