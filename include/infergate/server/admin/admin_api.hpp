// The admin API's resources beyond usage, targets and reload (local_endpoints.cpp answers
// those): the effective config, backends and their pools, draining targets, runtime keys.
// Called once the admin key was checked; see docs/admin-api.md.
#pragma once

#include "infergate/net.hpp"
#include "infergate/server/local_endpoints.hpp"

namespace infergate::server::admin {

net::awaitable<LocalAnswer> answer(const LocalRequest& request);

}  // namespace infergate::server::admin
