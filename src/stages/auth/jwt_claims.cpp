#include "stages/auth/jwt_claims.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace infergate::auth {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;
using std::chrono::system_clock;

// NumericDate seconds kept within what every later sum and system_clock can hold (~year 2262).
constexpr std::int64_t max_numeric_date = 9'000'000'000;

// A claim that is absent, or present with the wrong type (`malformed`), or a value.
template <typename T>
using Claim = std::variant<std::monostate, JwtError, T>;

Claim<std::int64_t> numeric_date(const json& payload, const char* name) {
    const auto it = payload.find(name);
    if (it == payload.end()) return std::monostate{};
    if (!it->is_number()) return JwtError::malformed;
    // NumericDate may carry fractions of a second: the whole second before it is what counts.
    const double value = std::floor(it->get<double>());
    if (!(value >= 0 && value <= static_cast<double>(max_numeric_date))) return JwtError::malformed;
    return static_cast<std::int64_t>(value);
}

Claim<std::string> string_claim(const json& payload, const std::string& name) {
    const auto it = payload.find(name);
    if (it == payload.end()) return std::monostate{};
    if (!it->is_string()) return JwtError::malformed;
    return it->get<std::string>();
}

// `aud` and the models claim: one string, or an array of strings.
Claim<std::vector<std::string>> string_list_claim(const json& payload, const std::string& name,
                                                  bool split_on_spaces) {
    const auto it = payload.find(name);
    if (it == payload.end()) return std::monostate{};
    std::vector<std::string> values;
    if (it->is_string()) {
        const auto& text = it->get_ref<const std::string&>();
        if (!split_on_spaces) return std::vector<std::string>{text};
        // "a b  c" like an OAuth scope: runs of spaces separate, empty names are dropped.
        std::size_t start = 0;
        while ((start = text.find_first_not_of(' ', start)) != std::string::npos) {
            const std::size_t end = std::min(text.find(' ', start), text.size());
            values.emplace_back(text, start, end - start);
            start = end;
        }
        return values;
    }
    if (!it->is_array()) return JwtError::malformed;
    for (const auto& value : *it) {
        if (!value.is_string()) return JwtError::malformed;
        values.push_back(value.get<std::string>());
    }
    return values;
}

std::optional<JwtError> check_times(const json& payload, const JwtIssuerSettings& settings,
                                    std::int64_t now, JwtPrincipal& principal) {
    const std::int64_t leeway = settings.leeway.count();
    const auto exp = numeric_date(payload, "exp");
    if (std::holds_alternative<std::monostate>(exp)) return JwtError::missing_claim;
    if (const auto* error = std::get_if<JwtError>(&exp)) return *error;
    const std::int64_t expires = std::get<std::int64_t>(exp);
    // RFC 7519 §4.1.4: valid only while now is before exp.
    if (now >= expires + leeway) return JwtError::expired;
    principal.expires = system_clock::time_point{seconds{expires}};

    for (const char* name : {"nbf", "iat"}) {
        const auto date = numeric_date(payload, name);
        if (const auto* error = std::get_if<JwtError>(&date)) return *error;
        // A token not yet valid, or issued in the future beyond the allowed skew.
        if (const auto* at = std::get_if<std::int64_t>(&date); at && *at > now + leeway) {
            return JwtError::not_yet_valid;
        }
    }
    return std::nullopt;
}

std::optional<JwtError> check_audience(const json& payload, const JwtIssuerSettings& settings) {
    const auto aud = string_list_claim(payload, "aud", /*split_on_spaces=*/false);
    if (std::holds_alternative<std::monostate>(aud)) return JwtError::missing_claim;
    if (const auto* error = std::get_if<JwtError>(&aud)) return *error;
    for (const auto& audience : std::get<std::vector<std::string>>(aud)) {
        if (std::ranges::find(settings.audiences, audience) != settings.audiences.end()) {
            return std::nullopt;
        }
    }
    return JwtError::wrong_audience;
}

}  // namespace

std::variant<JwtPrincipal, JwtError> principal_from_claims(const json& payload,
                                                           const JwtIssuerSettings& settings,
                                                           system_clock::time_point now) {
    JwtPrincipal principal;
    principal.issuer = settings.issuer;
    const std::int64_t now_seconds =
        std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
    if (auto error = check_times(payload, settings, now_seconds, principal)) return *error;
    if (auto error = check_audience(payload, settings)) return *error;

    auto sub = string_claim(payload, "sub");
    auto tenant = string_claim(payload, settings.tenant_claim);
    auto models = string_list_claim(payload, settings.models_claim, /*split_on_spaces=*/true);
    for (const JwtError* error : {std::get_if<JwtError>(&sub), std::get_if<JwtError>(&tenant),
                                  std::get_if<JwtError>(&models)}) {
        if (error) return *error;
    }
    if (auto* value = std::get_if<std::string>(&sub)) principal.subject = std::move(*value);
    if (auto* value = std::get_if<std::string>(&tenant)) principal.tenant = std::move(*value);
    if (auto* value = std::get_if<std::vector<std::string>>(&models)) {
        principal.models = std::move(*value);
    }
    return principal;
}

}  // namespace infergate::auth
