#include "infergate/stages/auth/jwt_verifier.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "stages/auth/base64url.hpp"
#include "stages/auth/issuer_keys.hpp"
#include "stages/auth/jws_signature.hpp"
#include "stages/auth/jwt_claims.hpp"
#include "stages/auth/jwt_settings_check.hpp"

namespace infergate::auth {

struct JwtVerifier::Issuers {
    struct Issuer {
        JwtIssuerSettings settings;
        IssuerKeys keys;
    };
    std::vector<Issuer> list;

    const Issuer* find(std::string_view iss) const noexcept {
        for (const auto& issuer : list) {
            if (issuer.settings.issuer == iss) return &issuer;
        }
        return nullptr;
    }
};

namespace {

using json = nlohmann::json;

// header.payload.signature, split without copying.
std::optional<std::array<std::string_view, 3>> split_jws(std::string_view token) {
    const std::size_t first = token.find('.');
    if (first == std::string_view::npos) return std::nullopt;
    const std::size_t second = token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    return std::array{token.substr(0, first), token.substr(first + 1, second - first - 1),
                      token.substr(second + 1)};
}

std::optional<json> decode_object(std::string_view segment) {
    const auto text = base64url_decode(segment);
    if (!text) return std::nullopt;
    auto value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!value.is_object()) return std::nullopt;  // also the parse-failure (discarded) value
    return value;
}

// A member that may be absent but, when present, must be a string.
std::variant<std::monostate, std::string_view, JwtError> optional_string(const json& object,
                                                                         const char* name) {
    const auto it = object.find(name);
    if (it == object.end()) return std::monostate{};
    if (!it->is_string()) return JwtError::malformed;
    return std::string_view{it->get_ref<const std::string&>()};
}

}  // namespace

JwtVerifier::JwtVerifier(std::shared_ptr<const Issuers> issuers) : issuers_(std::move(issuers)) {}

std::variant<JwtVerifier, std::vector<std::string>> JwtVerifier::create(
    const std::vector<JwtIssuerSettings>& issuers) {
    std::vector<std::string> errors = check_issuer_settings(issuers);
    if (!errors.empty()) return errors;
    auto loaded = std::make_shared<Issuers>();
    for (const auto& settings : issuers) {
        auto keys = settings.jwks_file.empty() ? IssuerKeys::from_pem_file(settings.pem_file)
                                               : IssuerKeys::from_jwks_file(settings.jwks_file);
        if (auto* error = std::get_if<std::string>(&keys)) {
            errors.push_back("issuer " + settings.issuer + ": " + *error);
        } else {
            loaded->list.push_back({settings, std::get<IssuerKeys>(std::move(keys))});
        }
    }
    if (!errors.empty()) return errors;
    return JwtVerifier{std::move(loaded)};
}

std::variant<JwtPrincipal, JwtError> JwtVerifier::verify(
    std::string_view token, std::chrono::system_clock::time_point now) const {
    if (token.size() > max_token_size) return JwtError::malformed;
    if (!issuers_) return JwtError::unknown_issuer;  // a moved-from verifier trusts no one
    const auto segments = split_jws(token);
    if (!segments) return JwtError::malformed;
    const auto& [header_text, payload_text, signature_text] = *segments;
    try {
        const auto header = decode_object(header_text);
        if (!header) return JwtError::malformed;
        // The algorithm comes first: `none`, HMAC and the rest are refused before any key or
        // claim is looked at. Header keys (`jwk`, `jku`, `x5u`) are never trusted or fetched.
        const auto alg_name = optional_string(*header, "alg");
        if (!std::holds_alternative<std::string_view>(alg_name)) return JwtError::malformed;
        const auto alg = parse_jws_algorithm(std::get<std::string_view>(alg_name));
        if (!alg) return JwtError::unsupported_algorithm;
        // RFC 7515 §4.1.11: extensions marked critical must be understood; none are.
        if (header->contains("crit")) return JwtError::malformed;
        const auto kid = optional_string(*header, "kid");
        if (std::holds_alternative<JwtError>(kid)) return JwtError::malformed;

        const auto payload = decode_object(payload_text);
        if (!payload) return JwtError::malformed;
        const auto iss = optional_string(*payload, "iss");
        if (const auto* error = std::get_if<JwtError>(&iss)) return *error;
        if (std::holds_alternative<std::monostate>(iss)) return JwtError::missing_claim;
        const auto* issuer = issuers_->find(std::get<std::string_view>(iss));
        if (!issuer) return JwtError::unknown_issuer;

        const auto* kid_value = std::get_if<std::string_view>(&kid);
        const VerifyKey* key =
            issuer->keys.find(kid_value ? std::optional{*kid_value} : std::nullopt);
        if (!key) return JwtError::unknown_key;
        if (key->alg != *alg) return JwtError::unsupported_algorithm;
        const auto signature = base64url_decode(signature_text);
        if (!signature) return JwtError::malformed;
        const std::string_view signing_input =
            token.substr(0, header_text.size() + 1 + payload_text.size());
        if (!verify_jws_signature(*alg, key->pkey.get(), signing_input, *signature)) {
            return JwtError::bad_signature;
        }
        return principal_from_claims(*payload, issuer->settings, now);
    } catch (const json::exception&) {
        return JwtError::malformed;  // a shape the checks above missed: still no exception out
    }
}

bool JwtVerifier::looks_like_jwt(std::string_view token) noexcept {
    int dots = 0;
    std::size_t segment_length = 0;
    for (const char c : token) {
        if (c == '.') {
            if (segment_length == 0 || ++dots > 2) return false;
            segment_length = 0;
        } else if (!is_base64url_char(c)) {
            return false;
        } else {
            ++segment_length;
        }
    }
    return dots == 2;
}

std::string_view describe(JwtError error) noexcept {
    switch (error) {
        case JwtError::malformed: return "malformed token";
        case JwtError::unsupported_algorithm: return "token algorithm not accepted";
        case JwtError::unknown_issuer: return "token issuer not trusted";
        case JwtError::unknown_key: return "token signing key not known";
        case JwtError::bad_signature: return "token signature invalid";
        case JwtError::expired: return "token expired";
        case JwtError::not_yet_valid: return "token not yet valid";
        case JwtError::wrong_audience: return "token audience not accepted";
        case JwtError::missing_claim: return "token lacks a required claim";
    }
    return "invalid token";
}

}  // namespace infergate::auth
