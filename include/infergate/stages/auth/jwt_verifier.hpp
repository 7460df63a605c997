// JWT bearer tokens as a principal source: RS256 / ES256 signatures checked against keys loaded
// once from each trusted issuer's JWKS or PEM file, then `iss`, `aud`, `exp` (and `nbf`, `iat`
// when present). No sockets, no config types, no exceptions on the verify path.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace infergate::auth {

// One trusted issuer, as the config describes it.
struct JwtIssuerSettings {
    std::string issuer;                   // exact `iss`
    std::vector<std::string> audiences;   // token `aud` (string or array) must contain one
    std::string jwks_file;                // either a JWKS JSON file (keys chosen by `kid`) ...
    std::string pem_file;                 // ... or one PEM public key (RSA >= 2048 bits, P-256)
    std::string tenant_claim = "tenant";  // claim naming the tenant (optional in the token)
    std::string models_claim = "models";  // allowed models: string array or "a b c" string
    std::chrono::seconds leeway{30};      // clock skew allowed for exp / nbf / iat
};

struct JwtPrincipal {
    std::string issuer;
    std::string subject;  // `sub`; empty when the token has none
    std::string tenant;   // empty when the token has no tenant claim
    // nullopt when the token has no models claim; an empty list is a claim that allows none.
    std::optional<std::vector<std::string>> models;
    std::chrono::system_clock::time_point expires;
};

enum class JwtError {
    malformed,              // not a well-formed JWS / JSON, a claim of the wrong type, too large
    unsupported_algorithm,  // `alg` other than RS256/ES256, or not the key's type
    unknown_issuer,         // `iss` is no configured issuer
    unknown_key,            // no key with the token's `kid`
    bad_signature,          // the signature does not verify with the issuer's key
    expired,                // `exp` (plus leeway) reached
    not_yet_valid,          // `nbf` or `iat` in the future (beyond leeway)
    wrong_audience,         // no `aud` value is one of the issuer's audiences
    missing_claim,          // `iss`, `aud` or `exp` absent
};

// A short fixed message, safe for a log line or an error body: never echoes the token.
std::string_view describe(JwtError error) noexcept;

class JwtVerifier {
public:
    // Tokens above this are refused before any decoding.
    static constexpr std::size_t max_token_size = 8 * 1024;

    // Loads every issuer's keys; returns one message per problem (e.g. "issuer X: cannot read
    // jwks_file ...") instead of throwing.
    static std::variant<JwtVerifier, std::vector<std::string>> create(
        const std::vector<JwtIssuerSettings>& issuers);

    // Pure and const: no file I/O, no shared mutable state, safe from many threads at once.
    std::variant<JwtPrincipal, JwtError> verify(std::string_view token,
                                                std::chrono::system_clock::time_point now) const;

    // Three dot-separated base64url segments (the last may be empty, as in `alg: none`, so that
    // such a token is refused as a JWT rather than tried as an API key). Cheap: no decoding.
    static bool looks_like_jwt(std::string_view token) noexcept;

private:
    struct Issuers;  // keys and settings, immutable after create(); shared by copies
    explicit JwtVerifier(std::shared_ptr<const Issuers> issuers);
    std::shared_ptr<const Issuers> issuers_;
};

}  // namespace infergate::auth
