#include "stages/auth/jwt_principal.hpp"

#include "infergate/config/snapshot.hpp"

namespace infergate::auth {
namespace {

api::Error refused(std::string_view reason) {
    return api::invalid_api_key("Bearer token refused: " + std::string(reason) + ".");
}

const config::JwtIssuer* issuer_of(const config::AuthSettings& auth, std::string_view iss) noexcept {
    for (const config::JwtIssuer& issuer : auth.jwt) {
        if (issuer.issuer == iss) return &issuer;
    }
    return nullptr;
}

}  // namespace

std::variant<Principal, api::Error> jwt_principal(std::string_view token, const Snapshot& snapshot,
                                                  std::chrono::system_clock::time_point now) {
    auto verified = snapshot.jwt->verify(token, now);
    if (const auto* error = std::get_if<JwtError>(&verified)) return refused(describe(*error));
    JwtPrincipal& claims = std::get<JwtPrincipal>(verified);
    const config::JwtIssuer* issuer = issuer_of(snapshot.config.auth, claims.issuer);
    if (issuer == nullptr) return refused(describe(JwtError::unknown_issuer));  // not reached: same list

    Principal principal;
    principal.anonymous = false;
    principal.key_id = issuer->principal_id;
    if (!claims.tenant.empty()) {
        const RegisteredTenant* tenant = snapshot.keys.tenant(claims.tenant);
        if (tenant == nullptr) return refused("its tenant is not configured here");
        principal.tenant_config = tenant->config;
        principal.tenant_quota = &tenant->quota;
        principal.tenant = tenant->config->name;
    }
    principal.metrics = snapshot.metrics_for(principal.key_id, principal.tenant);
    if (claims.models) {
        principal.has_jwt_models = true;
        principal.jwt_models = std::move(*claims.models);
    }
    return principal;
}

}  // namespace infergate::auth
