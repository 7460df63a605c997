// Sanity checks on the issuer list before any key file is opened.
#pragma once

#include <string>
#include <vector>

#include "infergate/stages/auth/jwt_verifier.hpp"

namespace infergate::auth {

// One message per problem: empty or repeated issuer, no audience, not exactly one of
// jwks_file / pem_file, empty claim names, a leeway outside 0 s .. 1 day.
std::vector<std::string> check_issuer_settings(const std::vector<JwtIssuerSettings>& issuers);

}  // namespace infergate::auth
