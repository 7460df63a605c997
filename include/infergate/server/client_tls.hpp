// The TLS steps of a connection on the HTTPS listener (server.tls), around the session's
// HTTP exchanges: the handshake, which must end within the session's header deadline (a
// client that opens a connection and stalls the handshake holds it no longer than one that
// stalls its request head), and the close.
#pragma once

#include "infergate/common/socket_deadline.hpp"
#include "infergate/net.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/server/client_connection.hpp"

namespace infergate::server {

// Runs the server handshake; on success records the client's verified certificate (if any) in
// `client.certificate` and returns true. A failure is counted by reason
// (infergate_tls_handshake_failures_total) and logged at debug level.
net::awaitable<bool> handshake(ClientConnection& client, const SocketDeadline& deadline,
                               observability::Metrics& metrics);

// Sends close_notify without waiting for the client's (most clients never send one), bounded
// in time for a client that does not read.
net::awaitable<void> close_tls(ClientConnection& client);

}  // namespace infergate::server
