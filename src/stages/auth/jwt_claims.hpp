// The registered-claim checks and the principal a verified token yields.
#pragma once

#include <chrono>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "infergate/stages/auth/jwt_verifier.hpp"

namespace infergate::auth {

// `payload` is an object whose signature has been verified and whose `iss` is settings.issuer.
// Checks exp (required), nbf and iat (when present) with the issuer's leeway, then aud; reads
// sub, tenant and models. A claim of the wrong JSON type is `malformed`, never ignored.
std::variant<JwtPrincipal, JwtError> principal_from_claims(
    const nlohmann::json& payload, const JwtIssuerSettings& settings,
    std::chrono::system_clock::time_point now);

}  // namespace infergate::auth
