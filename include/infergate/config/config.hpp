// The configuration as the operator wrote it, after validation: plain values, no behaviour.
// config::load() produces it from YAML; runtime objects are built from it (see Snapshot).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "infergate/common/secret.hpp"
#include "infergate/config/access.hpp"
#include "infergate/config/routing.hpp"

namespace infergate::config {

enum class Provider { openai, azure_openai, anthropic, gemini };
enum class LogFormat { json, text };

// server.tls.client_auth: whether clients present a certificate (verified against client_ca_file).
enum class ClientAuth { none, optional, require };
enum class TlsVersion { tls1_2, tls1_3 };

// server.tls: an HTTPS listener beside (or instead of) the plain one, on the same workers.
// cert_file, key_file and client_ca_file are read when a snapshot is built, so a reload (or a
// watch on these files) picks up a rotated certificate; started connections keep theirs.
struct ListenerTls {
    std::string listen_host = "0.0.0.0";
    std::uint16_t listen_port = 8443;
    std::string cert_file;               // PEM: the leaf first, then its chain
    std::string key_file;                // PEM private key (unencrypted)
    std::string client_ca_file;          // PEM CAs client certificates must chain to; empty: none
    ClientAuth client_auth = ClientAuth::none;
    TlsVersion min_version = TlsVersion::tls1_2;
    bool operator==(const ListenerTls&) const = default;
};

struct ServerSettings {
    bool plain_listener = true;          // false: `listen: none` (HTTPS only)
    std::string listen_host = "0.0.0.0";
    std::uint16_t listen_port = 8080;
    std::optional<ListenerTls> tls;      // absent: no HTTPS listener
    unsigned workers = 0;                          // 0 = one per core (resolved at start)
    std::size_t max_header_bytes = 16 * 1024;      // request line + headers
    std::size_t max_body_bytes = 10 * 1024 * 1024;
    // Request bodies held in memory by all connections together; past it, 503 with Retry-After.
    std::size_t max_buffered_body_bytes = std::size_t{1} << 30;
    Duration header_timeout = std::chrono::seconds(10);  // whole header, not per read
    Duration body_timeout = std::chrono::seconds(30);    // whole body
    Duration idle_timeout = std::chrono::seconds(60);    // keep-alive wait for the next request
    Duration write_timeout = std::chrono::seconds(30);   // one write to a client that stopped reading
    Duration drain_timeout = std::chrono::seconds(30);   // SIGTERM: how long in-flight requests may finish
    bool watch_config = true;  // reload when the config file or a file it names changes
    // Client connections for the whole gateway, split evenly between the workers. At the
    // limit a new connection replaces the one that has waited longest without a request in
    // progress; `reserved_connections` more are admitted when every connection is busy, for
    // the gateway's own endpoints only (/healthz, /readyz, /metrics, /v1/models, /v1/usage,
    // /admin/usage, /admin/targets).
    std::size_t max_connections = 10000;
    std::size_t reserved_connections = 16;
    std::optional<CacheStorage> cache;   // absent: no response cache
};

struct UpstreamTimeouts {
    Duration connect = std::chrono::seconds(5);
    Duration first_byte = std::chrono::seconds(60);  // request sent -> response head
    Duration idle = std::chrono::seconds(30);        // between two reads of the body/stream
    Duration total = std::chrono::minutes(10);
};

struct PoolSettings {
    std::size_t max_connections = 1024;                   // per worker
    Duration idle_timeout = std::chrono::seconds(90);
    Duration acquire_timeout = std::chrono::seconds(5);  // wait for a free connection
};

struct TlsSettings {
    std::string ca_file;                 // empty: the system CA store
    bool insecure_skip_verify = false;
};

struct Backend {
    std::string name;
    std::string url;                     // as written, without credentials
    Provider provider = Provider::openai;
    // azure_openai: the api-version query parameter; anthropic: the anthropic-version header.
    // The loader sets each provider's default; empty for the others.
    std::string api_version;
    std::int64_t default_max_tokens = 4096;  // anthropic: max_tokens when the client sets none
    Secret api_key;                      // empty: no credential injected
    std::vector<WeightedKey> api_keys;   // a pool instead of one key (see credential_pool.hpp)
    // Parsed from url by the loader:
    bool tls = false;
    std::string host;
    std::uint16_t port = 0;
    std::string base_path;               // without trailing '/', e.g. "" or "/openai"
    UpstreamTimeouts timeouts;
    PoolSettings pool;
    TlsSettings tls_settings;
    std::size_t max_response_bytes = 64 * 1024 * 1024;  // non-streaming body cap
    std::size_t max_event_bytes = 1024 * 1024;          // one SSE event cap
    Admission admission;
    OutlierDetection outlier;
    HealthCheck health_check;
};

struct Target {
    std::string backend;                 // key into Config::backends
    std::string model;                   // upstream model name; empty = the public name
    std::uint32_t weight = 1;
};

struct Model {
    std::string name;                    // the public name clients send; "*": any other name
    std::string alias_of;                // set: this name is another model's (no targets)
    std::vector<Target> targets;
    Balancing balancing = Balancing::p2c_ewma;
    std::size_t affinity_window = 4096;  // prefix_affinity: prompt bytes hashed
    RetryPolicy retry;
    FallbackPolicy fallback;
    Duration first_token_timeout{0};     // 0: none (the backend's first_byte timeout applies)
    std::optional<Canary> canary;
    Pricing pricing;                     // for budgets and spend metrics
    TokenWeights token_weights;          // for token limits
    Policy policies;                     // request policies (stages/policy)
    std::optional<CachePolicy> cache;    // absent: not cached (unless a key says so)
};

struct LogSettings {
    std::string level = "info";          // trace|debug|info|warn|error|critical|off
    LogFormat access_format = LogFormat::json;
    std::string access_path;             // empty or "stdout": standard output; else a file
};

struct Config {
    std::string source;                  // file name shown in messages
    std::string source_hash;             // content_hash() of the text it was loaded from
    ServerSettings server;
    LogSettings log;
    std::map<std::string, Backend, std::less<>> backends;
    std::map<std::string, Model, std::less<>> models;  // ordered: /v1/models lists by name
    AuthSettings auth;
    AdminSettings admin;
    std::map<std::string, Tenant, std::less<>> tenants;
    QuotaSettings quota;
    std::vector<RouteRule> rules;        // routing.rules, in order
};

}  // namespace infergate::config
