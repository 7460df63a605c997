// Who may call what, and how much: API keys, tenants, JWT issuers, limits and prices, as the
// operator wrote them (validated, plain values). The auth and quota stages compile these.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "infergate/config/policy.hpp"
#include "infergate/config/cache.hpp"

namespace infergate::config {

using Sha256 = std::array<unsigned char, 32>;

enum class LimitMode { enforce, shadow };  // shadow: count and report, never refuse

// One scope's limits; 0 means "no limit". Budgets are in micro-USD so that counters are
// exact integers.
struct Limits {
    std::int64_t requests_per_minute = 0;
    std::int64_t requests_per_day = 0;
    std::int64_t tokens_per_minute = 0;
    std::int64_t tokens_per_day = 0;
    std::int64_t tokens_per_week = 0;                // Monday to Monday in quota.time_zone
    std::int64_t tokens_per_month = 0;
    std::int64_t concurrency = 0;
    std::int64_t max_stream_tokens = 0;              // one stream is cut past it (not a window)
    std::int64_t budget_micro_usd_per_day = 0;
    std::int64_t budget_micro_usd_per_week = 0;
    std::int64_t budget_micro_usd_per_month = 0;
    LimitMode mode = LimitMode::enforce;

    bool any() const noexcept {
        return requests_per_minute || requests_per_day || tokens_per_minute || tokens_per_day ||
               tokens_per_week || tokens_per_month || concurrency || max_stream_tokens || budget_micro_usd_per_day ||
               budget_micro_usd_per_week || budget_micro_usd_per_month;
    }
};

// Limits of a key or tenant: for all its traffic, and per model within it.
struct ScopeLimits {
    Limits all;
    std::map<std::string, Limits, std::less<>> per_model;
};

struct ApiKey {
    std::string id;                      // public, safe to log: "sk-ig-<id>-<secret>"
    Sha256 sha256{};                     // of the whole key; the plaintext is never configured
    std::string tenant;                  // empty: none
    std::vector<std::string> models;     // names or globs; empty: the tenant's, else all
    std::optional<std::chrono::system_clock::time_point> expires;
    bool enabled = true;
    std::map<std::string, std::string> labels;
    ScopeLimits limits;
    // Admission-queue band when a backend is saturated: 0 low, 1 normal, 2 high. With
    // priority_header, the caller may pick its band per request (x-priority: low|normal|high).
    int priority = 1;
    bool priority_header = false;
    Policy policies;                     // applied after the model's (stages/policy/merge.hpp)
    std::optional<CachePolicy> cache;    // set: replaces the model's cache policy
    bool runtime = false;                // from admin.keys_file (POST /admin/keys), not the config
};

// auth.client_certificates: a verified client certificate (server.tls.client_auth) is the
// identity whose `match` its subject CN or one of its subjectAltNames equals.
struct CertificateMatch {
    enum class Kind { common_name, dns, uri, email };
    Kind kind = Kind::common_name;
    std::string value;                   // compared exactly (DNS names: case-insensitively)
};

struct ClientCertificate {
    CertificateMatch match;
    // Everything else is a key's: id, tenant, models, expires, enabled, labels, limits,
    // priority, policies, cache (`sha256` unused). Quota and metrics treat it as a key.
    ApiKey identity;
};

struct Tenant {
    std::string name;
    std::vector<std::string> models;     // names or globs; empty: all
    ScopeLimits limits;
    std::uint32_t share = 1;             // weight in a saturated backend's fair queue
};

struct JwtIssuer {
    std::string name;                    // public, safe to log: "jwt:<name>" in logs and metrics
    std::string principal_id;            // "jwt:<name>", made once: a token's Principal points at it
    std::string issuer;                  // the tokens' exact `iss`
    std::vector<std::string> audiences;  // a token's `aud` must name one
    std::string jwks_file;               // one of jwks_file / pem_file
    std::string pem_file;
    std::string tenant_claim = "tenant";
    std::string models_claim = "models";
    std::chrono::seconds leeway{30};     // clock skew allowed for exp / nbf / iat
};

struct AuthSettings {
    std::vector<ApiKey> keys;
    std::vector<JwtIssuer> jwt;
    std::vector<ClientCertificate> client_certificates;
    // Failed authentications per minute from one client address before it is refused (429)
    // until its window drains; 0 turns the limiter off.
    std::int64_t max_failures_per_minute = 30;
    // Auth is on as soon as any principal source is configured; off, every caller is anonymous.
    bool enabled() const noexcept { return !keys.empty() || !jwt.empty() || !client_certificates.empty(); }
    // Every key-like identity, API keys first: each has a quota scope "key:<id>" and metrics.
    template <class F>
    void for_each_identity(F&& f) const {
        for (const ApiKey& key : keys) f(key);
        for (const ClientCertificate& certificate : client_certificates) f(certificate.identity);
    }
};

// The admin endpoints (/admin/...): answered only to the admin key, a key of its own that is
// not an API key. Without one they do not exist (404).
struct AdminSettings {
    std::optional<Sha256> key_sha256;
    // Where keys created with POST /admin/keys live (JSON, replaced atomically); read at start
    // and on every reload, its keys joining auth.keys. Empty: runtime keys are off.
    std::string keys_file;
};

struct QuotaSettings {
    std::string time_zone = "UTC";       // IANA name: where calendar days and months begin
    std::int64_t default_max_tokens = 1024;  // reserved when a request sets no max_tokens
};

// Prices per 1M tokens of each class, in micro-USD, and weights for token limits.
struct Pricing {
    std::int64_t input = 0;
    std::int64_t cached_input = -1;      // -1: same as input
    std::int64_t output = 0;
    std::int64_t reasoning = -1;         // -1: same as output
};
struct TokenWeights {                    // how much one token of each class counts toward TPM
    double input = 1.0, cached_input = 1.0, output = 1.0, reasoning = 1.0;
};

}  // namespace infergate::config
