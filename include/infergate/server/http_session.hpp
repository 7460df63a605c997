// One client connection: reads requests (with whole-header and body deadlines and size
// limits), answers the gateway's own endpoints, hands model API requests to the pipeline and
// the proxy, and keeps the connection alive between requests.
#pragma once

#include "infergate/net.hpp"
#include "infergate/tls/server_context.hpp"

namespace infergate::server {

class Worker;

// The connection's coroutine. Never throws: an unexpected error costs this connection only.
// With `tls` (an HTTPS listener's connection) it first runs the TLS handshake with it.
net::awaitable<void> run_session(Worker& worker, tcp::socket socket, tls::ServerContextPtr tls = nullptr);

}  // namespace infergate::server
