// A configured model server in runtime form: its TLS context, the credential header to inject
// and its metrics. Built once per snapshot and shared (immutable) by every worker's pool.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "infergate/config/config.hpp"
#include "infergate/net.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/stages/routing/admission_queue.hpp"
#include "infergate/stages/routing/credential_pool.hpp"

namespace infergate::upstream {

class Backend {
public:
    // Throws std::runtime_error with a message naming the backend if its TLS settings cannot
    // be applied (e.g. unreadable ca_file); snapshot building turns that into a config error.
    // `admission`: the replaced snapshot's queue for this backend, to keep its in-flight count
    // and waiters across a reload (null: a new one).
    Backend(config::Backend settings, observability::Metrics& metrics,
            std::shared_ptr<routing::AdmissionQueue> admission = nullptr);

    const config::Backend& settings() const noexcept { return settings_; }
    const std::string& name() const noexcept { return settings_.name; }
    // The Host header value: "host" or "host:port" when the port is not the scheme's default.
    const std::string& host_header() const noexcept { return host_header_; }
    // nullptr for plain HTTP.
    ssl::context* tls_context() const noexcept { return tls_.get(); }
    // Header name carrying this backend's own credential ("" when none), and its values: one
    // per configured key (api_key, or each of api_keys).
    const std::string& credential_header() const noexcept { return credential_header_; }
    const Secret& credential_value(std::size_t index = 0) const noexcept { return credential_values_[index]; }
    // Header lines ("name: value\r\n") the provider's API requires on every request (Anthropic:
    // anthropic-version); empty for OpenAI-compatible servers.
    const std::string& provider_headers() const noexcept { return provider_headers_; }
    // Which key an attempt uses, and what the provider said of it (429: rest it; 401/403:
    // retire it while another remains). Null when the backend has no credential.
    routing::CredentialPool* credentials() const noexcept { return credentials_.get(); }
    // max_concurrency and its fair waiting queue; also where provider rate-limit headers go.
    routing::AdmissionQueue& admission() const noexcept { return *admission_; }
    const std::shared_ptr<routing::AdmissionQueue>& admission_queue() const noexcept { return admission_; }
    // Identity of the connection pool: a reload that keeps these keeps warm connections.
    const std::string& pool_key() const noexcept { return pool_key_; }

    observability::BackendMetrics& metrics() const noexcept { return *metrics_; }

    // Readiness: the most recent connect attempt from any worker or health check succeeded
    // (or none was made).
    bool reachable() const noexcept { return reachable_.load(std::memory_order_relaxed); }
    void set_reachable(bool value) const noexcept {
        reachable_.store(value, std::memory_order_relaxed);
    }

private:
    config::Backend settings_;
    std::string host_header_;
    std::unique_ptr<ssl::context> tls_;
    std::string credential_header_;
    std::string provider_headers_;
    std::vector<Secret> credential_values_;
    std::unique_ptr<routing::CredentialPool> credentials_;  // shared state: used by every worker
    std::shared_ptr<routing::AdmissionQueue> admission_;
    std::string pool_key_;
    std::unique_ptr<observability::BackendMetrics> metrics_;
    mutable std::atomic<bool> reachable_{true};
};

using BackendPtr = std::shared_ptr<const Backend>;

}  // namespace infergate::upstream
