// Prometheus metrics: the families live for the whole process; the children a request touches
// are resolved once (at snapshot build, or on first use of a status code) and cached, because
// prometheus-cpp's Family::Add locks and hashes. Nothing here is touched per SSE chunk.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace infergate::observability {

// Why an upstream exchange failed; a bounded metric label.
enum class UpstreamError : std::uint8_t {
    dns, connect_refused, connect_timeout, tls, reset, first_byte_timeout, idle_timeout,
    total_timeout, protocol, too_large, pool_timeout, auth_refused, first_token_timeout,
    queue_full, queue_timeout, count
};
std::string_view label(UpstreamError kind) noexcept;

// Why a client connection ended badly before a request could be answered; a bounded label.
// bad_request_line ... bad_chunk: HTTP framing rules (server/request_framing.hpp).
enum class ClientError : std::uint8_t {
    bad_request, header_too_large, body_too_large, header_timeout, body_timeout, write_timeout,
    internal, bad_request_line, bad_line_ending, bad_header_field, bad_transfer_encoding,
    bad_content_length, bad_host, bad_chunk, count
};
std::string_view label(ClientError kind) noexcept;

// Why a TLS handshake with a client failed (server.tls); a bounded label.
enum class TlsFailure : std::uint8_t {
    timeout,                 // not done within server.header_timeout of the connection's arrival
    client_closed,           // EOF or reset during the handshake
    protocol_version,        // the client offers only versions below server.tls.min_version
    no_shared_cipher,
    no_client_certificate,   // client_auth: require, and none was sent
    bad_client_certificate,  // not from client_ca_file, expired, or otherwise unverifiable
    not_tls,                 // plain HTTP (or anything else) sent to the HTTPS port
    other,
    count
};
std::string_view label(TlsFailure kind) noexcept;

class Metrics;

// A request policy that acted on a request (stages/policy); a bounded metric label. Each has
// one action label: deny and max_prompt_tokens reject, the others rewrite.
enum class PolicyKind : std::uint8_t {
    deny, max_prompt_tokens, redact, system_prompt, defaults, overrides, max_tokens_cap, headers, count
};
std::string_view label(PolicyKind kind) noexcept;
std::string_view action_label(PolicyKind kind) noexcept;

// Requests by status code for one (model, backend): one counter per code, resolved on first use.
class StatusCounters {
public:
    StatusCounters(Metrics& metrics, std::string model, std::string backend);
    void increment(unsigned status);

private:
    static constexpr unsigned kMinStatus = 100, kMaxStatus = 599;
    Metrics& metrics_;
    std::string model_, backend_;
    std::array<std::atomic<prometheus::Counter*>, kMaxStatus - kMinStatus + 1> by_status_{};
};

// What one route target records per request.
struct TargetMetrics {
    TargetMetrics(Metrics& metrics, const std::string& model, const std::string& backend);
    StatusCounters requests;
    prometheus::Histogram& duration;
    prometheus::Histogram& time_to_first_token;
    prometheus::Histogram& time_per_output_token;
    prometheus::Counter& input_tokens;
    prometheus::Counter& output_tokens;
    prometheus::Gauge& in_flight;
    // Routing: attempts sent to this target by outcome, ejections, and whether it serves now
    // (1) or is ejected (0), refreshed when /metrics is read.
    prometheus::Counter& attempts_ok;
    prometheus::Counter& attempts_failed;
    prometheus::Counter& ejections;
    prometheus::Gauge& healthy;
};

// What one API key records; resolved once per snapshot, not per request.
struct KeyMetrics {
    KeyMetrics(Metrics& metrics, const std::string& key, const std::string& tenant);
    prometheus::Counter& requests;
    prometheus::Counter& input_tokens;
    prometheus::Counter& cached_input_tokens;
    prometheus::Counter& output_tokens;
    prometheus::Counter& reasoning_tokens;
    prometheus::Counter& spend_usd;
};

// infergate_policy_actions_total for one model; resolved once per snapshot.
struct PolicyMetrics {
    PolicyMetrics(Metrics& metrics, const std::string& model);
    std::array<prometheus::Counter*, static_cast<std::size_t>(PolicyKind::count)> actions{};
    void count(PolicyKind kind) { actions[static_cast<std::size_t>(kind)]->Increment(); }
};

// What one backend records (shared by all workers' pools for it).
struct BackendMetrics {
    BackendMetrics(Metrics& metrics, const std::string& backend);
    std::array<prometheus::Counter*, static_cast<std::size_t>(UpstreamError::count)> errors{};
    prometheus::Gauge& idle;
    prometheus::Gauge& busy;
    prometheus::Gauge& connecting;
    prometheus::Gauge& queue_depth;         // requests waiting for its max_concurrency
    prometheus::Histogram& queue_wait;      // how long those waited, admitted or not
    void count(UpstreamError kind) { errors[static_cast<std::size_t>(kind)]->Increment(); }
};

class Metrics {
public:
    Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // The Prometheus text exposition of everything registered.
    std::string serialize() const;

    void count(ClientError kind) { client_errors_[static_cast<std::size_t>(kind)]->Increment(); }
    void count(TlsFailure kind) { tls_failures_[static_cast<std::size_t>(kind)]->Increment(); }
    // The serving certificate's notAfter (Unix time); the series appears once TLS is configured.
    void set_tls_certificate_expiry(double unix_time) { tls_certificate_expiry.Add({}).Set(unix_time); }

    std::shared_ptr<prometheus::Registry> registry;
    prometheus::Family<prometheus::Counter>& requests;
    prometheus::Family<prometheus::Histogram>& duration;
    prometheus::Family<prometheus::Histogram>& time_to_first_token;
    prometheus::Family<prometheus::Histogram>& time_per_output_token;
    prometheus::Family<prometheus::Counter>& tokens;
    prometheus::Family<prometheus::Gauge>& in_flight;
    prometheus::Family<prometheus::Gauge>& upstream_connections;
    prometheus::Family<prometheus::Counter>& upstream_errors;
    prometheus::Family<prometheus::Counter>& client_errors;
    prometheus::Family<prometheus::Counter>& tls_handshake_failures;  // by reason (TlsFailure)
    prometheus::Family<prometheus::Counter>& tls_handshakes;          // completed, by version
    prometheus::Counter& tls_handshakes_12;
    prometheus::Counter& tls_handshakes_13;
    prometheus::Family<prometheus::Gauge>& tls_certificate_expiry;
    prometheus::Counter& connections_accepted;
    prometheus::Gauge& connections_open;
    prometheus::Counter& connections_evicted;  // waiting connections closed to make room
    prometheus::Counter& connections_refused;  // closed at once: limit and reserve full
    prometheus::Gauge& buffered_body_bytes;    // server::BodyMemory's total
    // 503 gateway_overloaded answers by reason: body_memory (server.max_buffered_body_bytes),
    // connection_reserve (a model request on a reserve connection).
    prometheus::Family<prometheus::Counter>& overload_refusals;
    prometheus::Counter& refused_for_body_memory;
    prometheus::Counter& refused_on_reserve;
    prometheus::Counter& accept_errors;        // accept() failed (EMFILE, ENFILE, ENOBUFS)
    prometheus::Counter& client_disconnects;
    prometheus::Counter& session_exceptions;
    prometheus::Gauge& config_generation;
    // Reloads (SIGHUP, file watch, POST /admin/reload) by result; the start-up load is not one.
    prometheus::Family<prometheus::Counter>& config_reloads;
    prometheus::Counter& config_reloads_succeeded;
    prometheus::Counter& config_reloads_failed;
    prometheus::Gauge& config_last_reload_success;  // Unix time of the last load that took effect
    // infergate_config_info{hash} 1: one child, replaced when a new config takes effect.
    prometheus::Family<prometheus::Gauge>& config_info;
    // Per API key / tenant (ids from the config, so the label sets stay bounded).
    prometheus::Family<prometheus::Counter>& key_requests;
    prometheus::Family<prometheus::Counter>& key_tokens;
    prometheus::Family<prometheus::Counter>& key_spend;
    prometheus::Family<prometheus::Counter>& quota_rejections;
    // Routing and resilience (retries and fallbacks are rare: their children are resolved
    // when they happen).
    prometheus::Family<prometheus::Counter>& upstream_attempts;
    prometheus::Family<prometheus::Counter>& retries;
    prometheus::Family<prometheus::Counter>& fallbacks;
    prometheus::Family<prometheus::Counter>& target_ejections;
    prometheus::Family<prometheus::Gauge>& target_healthy;
    prometheus::Family<prometheus::Counter>& health_checks;  // by backend, result (resolved per check)
    prometheus::Family<prometheus::Gauge>& queue_depth;
    prometheus::Family<prometheus::Histogram>& queue_wait;
    prometheus::Family<prometheus::Counter>& policy_actions;  // by model, policy, action
    // Response cache: requests by model and result (hit|miss|bypass); the size gauges and the
    // eviction counter are brought up to date when /metrics is served (update_cache_metrics).
    prometheus::Family<prometheus::Counter>& cache_requests;
    prometheus::Gauge& cache_bytes;
    prometheus::Gauge& cache_entries;
    prometheus::Family<prometheus::Counter>& cache_evictions;
    prometheus::Counter& cache_evicted_for_size;
    prometheus::Counter& cache_expired;
    // Requests that failed before a route was chosen (bad JSON, unknown model, unknown path).
    StatusCounters unrouted_requests;
    StatusCounters unknown_model_requests;

private:
    std::array<prometheus::Counter*, static_cast<std::size_t>(ClientError::count)> client_errors_{};
    std::array<prometheus::Counter*, static_cast<std::size_t>(TlsFailure::count)> tls_failures_{};
};

}  // namespace infergate::observability
