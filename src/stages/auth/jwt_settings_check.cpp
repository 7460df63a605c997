#include "stages/auth/jwt_settings_check.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace infergate::auth {
namespace {

// Far above any real clock skew; the bound keeps exp + leeway arithmetic far from overflow.
constexpr std::chrono::seconds max_leeway = std::chrono::hours{24};

void check_one(const JwtIssuerSettings& settings, const std::string& name,
               std::vector<std::string>& errors) {
    const auto fail = [&](const std::string& what) { errors.push_back(name + ": " + what); };
    if (settings.audiences.empty()) fail("needs at least one audience");
    if (std::ranges::any_of(settings.audiences, [](const auto& aud) { return aud.empty(); })) {
        fail("has an empty audience");
    }
    if (settings.jwks_file.empty() == settings.pem_file.empty()) {
        fail("set exactly one of jwks_file and pem_file");
    }
    if (settings.tenant_claim.empty()) fail("tenant_claim is empty");
    if (settings.models_claim.empty()) fail("models_claim is empty");
    if (settings.leeway < std::chrono::seconds{0} || settings.leeway > max_leeway) {
        fail("leeway must be between 0 and 86400 seconds");
    }
}

}  // namespace

std::vector<std::string> check_issuer_settings(const std::vector<JwtIssuerSettings>& issuers) {
    std::vector<std::string> errors;
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 0; i < issuers.size(); ++i) {
        const auto& settings = issuers[i];
        if (settings.issuer.empty()) {
            errors.push_back("issuer " + std::to_string(i + 1) + ": `issuer` is empty");
            continue;
        }
        const std::string name = "issuer " + settings.issuer;
        if (!seen.insert(settings.issuer).second) errors.push_back(name + ": listed twice");
        check_one(settings, name, errors);
    }
    return errors;
}

}  // namespace infergate::auth
