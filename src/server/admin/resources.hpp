// One function per admin resource (one file each); admin_api.cpp dispatches to them.
#pragma once

#include <string>

#include "infergate/net.hpp"
#include "infergate/server/local_endpoints.hpp"

namespace infergate::server::admin {

LocalAnswer json_answer(std::string body, unsigned status = 200);
LocalAnswer error_answer(api::Error error);

LocalAnswer show_config(const Snapshot& snapshot);                          // GET /admin/config
net::awaitable<LocalAnswer> show_backends(const LocalRequest& request);     // GET /admin/backends
LocalAnswer drain_target(const LocalRequest& request, bool drained);        // POST /admin/targets/(un)drain
LocalAnswer list_keys(const Snapshot& snapshot);                            // GET /admin/keys
net::awaitable<LocalAnswer> create_key(const LocalRequest& request);        // POST /admin/keys
net::awaitable<LocalAnswer> revoke_key(const LocalRequest& request);        // DELETE /admin/keys/{id}

}  // namespace infergate::server::admin
