// auth.jwt: the token issuers the gateway trusts. Key files are only checked for readability
// here; the snapshot parses them, so an unusable JWKS or PEM still fails the load.
#pragma once

#include <vector>

#include "infergate/config/access.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

void read_jwt_issuers(const Context& ctx, const Field& field, std::vector<JwtIssuer>& issuers);

}  // namespace infergate::config
