#include "infergate/stages/auth/authenticator.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/auth/api_key.hpp"
#include "infergate/stages/auth/failure_limiter.hpp"
#include "infergate/stages/auth/key_memo.hpp"
#include "stages/auth/jwt_principal.hpp"

namespace infergate::auth {
namespace {

// Longer API keys are refused before any work (hashing is cheap, but bounded is better).
constexpr std::size_t kMaxCredentialBytes = 4096;

// ASCII case-insensitive prefix test against a lowercase `lower`, inline: beast::iequals is an
// out-of-line call that folds both sides byte by byte, and this runs on every authenticated
// request. Only A-Z are folded, so no other byte can pass for a letter or a space.
bool starts_with_lowercase(std::string_view text, std::string_view lower) noexcept {
    if (text.size() < lower.size()) return false;
    for (std::size_t i = 0; i < lower.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
        if (c != lower[i]) return false;
    }
    return true;
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// The registered key for `presented`: the connection's memo answers a key it already looked up
// in this snapshot; otherwise the registry hashes it (the one costly step of a key check).
const RegisteredKey* find_key(const Snapshot& snapshot, std::string_view presented, KeyMemo* memo) {
    if (memo == nullptr) return snapshot.keys.find(presented);
    if (const RegisteredKey* known = memo->recall(snapshot.generation, presented)) return known;
    const RegisteredKey* found = snapshot.keys.find(presented);
    if (found != nullptr) memo->remember(snapshot.generation, presented, found);
    return found;
}

}  // namespace

std::optional<std::string_view> presented_credential(const http::request_header<>& headers) noexcept {
    // One walk over the fields, not three lookups: Authorization wins over the other two.
    std::optional<std::string_view> api_key, x_api_key;
    for (const auto& field : headers) {
        if (field.name() == http::field::authorization) {
            const std::string_view value = trim(field.value());
            constexpr std::string_view kBearer = "bearer ";
            if (value.size() > kBearer.size() && starts_with_lowercase(value, kBearer)) {
                return trim(value.substr(kBearer.size()));
            }
            return std::string_view{};  // Basic, a bare token, ...: not accepted
        }
        if (field.name() != http::field::unknown) continue;
        const std::string_view name = field.name_string();
        if (!api_key && name.size() == 7 && beast::iequals(name, "api-key")) api_key = trim(field.value());
        if (!x_api_key && name.size() == 9 && beast::iequals(name, "x-api-key")) x_api_key = trim(field.value());
    }
    return api_key ? api_key : x_api_key;
}

namespace {

// The principal of a registered key or certificate identity, unless it is disabled or expired.
std::variant<Principal, api::Error> principal_of(const RegisteredKey& registered, std::string_view what,
                                                 std::chrono::system_clock::time_point now) {
    const config::ApiKey* key = registered.config;
    if (!key->enabled) return api::invalid_api_key(fmt::format("This {} is disabled.", what));
    if (key->expires && now >= *key->expires) return api::invalid_api_key(fmt::format("This {} has expired.", what));
    Principal principal;
    principal.anonymous = false;
    principal.key_id = key->id;
    principal.tenant = key->tenant;
    principal.key = key;
    principal.key_quota = &registered.quota;
    principal.metrics = registered.metrics;
    if (registered.tenant != nullptr) {
        principal.tenant_config = registered.tenant->config;
        principal.tenant_quota = &registered.tenant->quota;
    }
    return principal;
}

}  // namespace

std::variant<Principal, api::Error> authenticate(const http::request_header<>& headers,
                                                 const Snapshot& snapshot,
                                                 std::chrono::system_clock::time_point now,
                                                 const tls::PeerCertificate* certificate, KeyMemo* memo) {
    // A verified certificate that names an identity is the caller; one that names none leaves
    // the request to its API key or token, like a connection without a certificate.
    if (certificate != nullptr) {
        if (const RegisteredKey* registered = snapshot.keys.find(*certificate)) {
            return principal_of(*registered, "client certificate's identity", now);
        }
    }
    const auto credential = presented_credential(headers);
    if (!credential) {
        return api::invalid_api_key(
            certificate != nullptr
                ? "Your client certificate maps to no identity here, and you didn't provide an API key."
                : "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
    }
    const bool key_sized = !credential->empty() && credential->size() <= kMaxCredentialBytes;
    // Keys first: a key whose id has dots can look like a JWT, and a hash lookup is cheap.
    const RegisteredKey* registered = key_sized ? find_key(snapshot, *credential, memo) : nullptr;
    if (registered == nullptr && snapshot.jwt && JwtVerifier::looks_like_jwt(*credential)) {
        return jwt_principal(*credential, snapshot, now);  // bounded by its own, larger limit
    }
    if (!key_sized) {
        return api::invalid_api_key("Incorrect API key provided. Send it as 'Authorization: Bearer <key>'.");
    }
    if (registered == nullptr) return api::invalid_api_key("Incorrect API key provided.");
    return principal_of(*registered, "API key", now);
}

namespace {

// Runs `check` (credential → Principal or 401) behind the snapshot's failure limiter.
template <class Check>
AuthVerdict guarded(const http::request_header<>& headers, const net::ip::address& address,
                    const Snapshot& snapshot, Check check) {
    FailureLimiter* limiter = snapshot.failure_limiter.get();
    if (limiter != nullptr) {
        if (const auto wait = limiter->blocked_for(address); wait > std::chrono::nanoseconds::zero()) {
            const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
            return {api::rate_limited(fmt::format(
                        "Too many failed authentication attempts from your address. Try again in {}s.", seconds)),
                    fmt::format("Retry-After: {}\r\n", seconds), {}};
        }
    }
    AuthVerdict verdict{check(), {}, {}};
    if (!std::holds_alternative<api::Error>(verdict.result)) return verdict;
    verdict.response_headers = "WWW-Authenticate: Bearer\r\n";
    const auto credential = presented_credential(headers);
    if (credential && !credential->empty()) {
        // The presented bytes are never logged; a short digest lets ops tell one guesser's keys
        // apart from a client with a stale key, and is useless for recovering the key.
        verdict.fingerprint = to_hex(sha256_of(*credential)).substr(0, 8);
    }
    if (limiter != nullptr && limiter->record_failure(address)) {
        spdlog::warn("auth: {} refused for a while after {} failed authentications in a minute "
                     "(last credential fingerprint {})",
                     address.to_string(), limiter->failures_per_minute(),
                     verdict.fingerprint.empty() ? "none" : verdict.fingerprint);
    }
    return verdict;
}

}  // namespace

AuthVerdict authenticate_client(const http::request_header<>& headers, const net::ip::address& address,
                                const Snapshot& snapshot, std::chrono::system_clock::time_point now,
                                const tls::PeerCertificate* certificate, KeyMemo* memo) {
    return guarded(headers, address, snapshot,
                   [&] { return authenticate(headers, snapshot, now, certificate, memo); });
}

AuthVerdict authenticate_admin(const http::request_header<>& headers, const net::ip::address& address,
                               const Snapshot& snapshot) {
    return guarded(headers, address, snapshot, [&]() -> std::variant<Principal, api::Error> {
        const auto credential = presented_credential(headers);
        const auto& expected = snapshot.config.admin.key_sha256;
        if (!credential || credential->empty() || credential->size() > kMaxCredentialBytes || !expected) {
            return api::invalid_api_key("This endpoint needs the admin key as 'Authorization: Bearer <key>'.");
        }
        const config::Sha256 digest = sha256_of(*credential);
        if (CRYPTO_memcmp(digest.data(), expected->data(), digest.size()) != 0) {
            return api::invalid_api_key("Incorrect admin key provided.");
        }
        Principal admin;
        admin.anonymous = false;
        admin.key_id = "admin";
        return admin;
    });
}

}  // namespace infergate::auth
