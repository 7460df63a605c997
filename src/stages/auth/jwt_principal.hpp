// The Principal a JWT bearer token yields, or the 401 it earns. Neither the token nor any of
// its claims is ever quoted in the answer.
#pragma once

#include <chrono>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"
#include "infergate/stages/auth/principal.hpp"

namespace infergate {
struct Snapshot;
}

namespace infergate::auth {

// `snapshot.jwt` is set. A token naming a tenant the config does not declare is refused: that
// tenant has no limits and no model list here, and letting it through as "no tenant" would
// quietly lift the restrictions the operator meant to apply.
std::variant<Principal, api::Error> jwt_principal(std::string_view token, const Snapshot& snapshot,
                                                  std::chrono::system_clock::time_point now);

}  // namespace infergate::auth
