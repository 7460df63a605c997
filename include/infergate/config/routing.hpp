// Routing and resilience settings as the operator wrote them: how a model spreads over its
// targets, when a failed attempt is retried or falls back to another model, when a target is
// ejected, and how a backend's concurrency is admitted. Plain values; see stages/routing/ for
// what they drive.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "infergate/common/secret.hpp"

namespace infergate::config {

using Duration = std::chrono::milliseconds;

enum class Balancing { weighted, least_outstanding, p2c_ewma, prefix_affinity };

// What makes an attempt worth another try (or a fallback): a failure class or an upstream status.
struct FailureMatch {
    bool connect_error = true;    // refused, DNS, TLS, connect timeout, pool timeout
    bool reset = true;            // the connection broke before any response byte
    bool timeout = true;          // no response head (or, for a stream, no content) in time
    std::vector<unsigned> statuses = {};  // exact codes; 0 stands for "any 5xx"
    bool context_length = false;  // a 400 whose error code is context_length_exceeded
};

// By default only a request that never reached a backend (no connection) is tried again:
// that is always safe. Timeouts, resets and statuses are retried when the operator says so.
struct RetryPolicy {
    // Tries in all, each preferring a target not yet tried. Unset: 2 for a model with several
    // targets (fail over), 1 for a single target (the same backend again rarely helps).
    unsigned attempts = 0;
    FailureMatch on{.connect_error = true, .reset = false, .timeout = false};
    Duration backoff_base = std::chrono::milliseconds(25);
    Duration backoff_max = std::chrono::seconds(1);
    double budget_ratio = 0.2;    // retries within a window, as a share of requests
    unsigned budget_min_per_second = 10;
};

struct FallbackPolicy {
    std::vector<std::string> models;  // tried in order once this model's attempts all failed
    FailureMatch on{.connect_error = true, .reset = true, .timeout = true,
                    .statuses = {429, 0}, .context_length = true};
};

// A percentage of a model's traffic goes to another model (a new version); a caller stays on
// one side, chosen by a hash of `sticky_header` (or of its key id without one).
struct Canary {
    std::string model;
    double percent = 0;           // 0..100
    std::string sticky_header = "x-session-id";
};

struct OutlierDetection {
    std::uint32_t consecutive_failures = 5;   // 0: off
    double error_rate = 0.5;                  // 0: off
    std::uint32_t min_requests = 20;
    Duration window = std::chrono::seconds(10);
    Duration base_ejection = std::chrono::seconds(30);
    Duration max_ejection = std::chrono::minutes(5);
};

struct HealthCheck {
    bool enabled = false;
    std::string path = "/health";
    Duration interval = std::chrono::seconds(10);
    Duration timeout = std::chrono::seconds(2);
    std::uint32_t unhealthy_threshold = 3;
    std::uint32_t healthy_threshold = 2;
};

// Per-backend admission: at most `max_concurrency` requests in flight through this gateway;
// more wait (fairly between tenants, by priority) up to `max_wait`, at most `max_queue` of them.
struct Admission {
    std::uint32_t max_concurrency = 0;        // 0: unlimited
    std::uint32_t max_queue = 256;
    Duration max_wait = std::chrono::seconds(5);
};

struct WeightedKey {
    Secret key;
    std::uint32_t weight = 1;
};

// A routing rule: requests matching every condition given are sent to `model` instead of the
// one they named. Rules are tried in order; the first match wins.
struct RouteRule {
    std::string name;                               // for logs and metrics: "rules[2]" if unnamed
    std::vector<std::string> models;                // globs on the requested model; empty: any
    std::map<std::string, std::string> headers;     // exact values (name lowercase)
    std::vector<std::string> keys, tenants;         // empty: any
    std::optional<bool> stream;
    std::int64_t min_prompt_tokens = 0;             // estimated from the body size; 0: any
    std::string model;                              // where matching requests go
};

}  // namespace infergate::config
