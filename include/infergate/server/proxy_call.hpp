// Sends one routed request to its backend and relays the answer to the client: the whole
// upstream exchange, streaming or not, including every way it can fail.
#pragma once

#include "infergate/net.hpp"
#include "infergate/pipeline/request_context.hpp"
#include "infergate/server/client_connection.hpp"

namespace infergate::server {

class Worker;

// Precondition: ctx.target and ctx.upstream are set (routing and transform ran).
// Always writes a complete response to the client unless the client left (then
// Completion::client_disconnected is set and the upstream was cancelled).
net::awaitable<pipeline::Completion> proxy_request(Worker& worker, ClientConnection& client,
                                                   pipeline::RequestContext& ctx);

}  // namespace infergate::server
