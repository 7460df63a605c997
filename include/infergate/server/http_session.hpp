// One client connection: reads requests (with whole-header and body deadlines and size
// limits), answers the gateway's own endpoints, hands model API requests to the pipeline and
// the proxy, and keeps the connection alive between requests.
#pragma once

#include "infergate/net.hpp"

namespace infergate::server {

class Worker;

// The connection's coroutine. Never throws: an unexpected error costs this connection only.
net::awaitable<void> run_session(Worker& worker, tcp::socket socket);

}  // namespace infergate::server
