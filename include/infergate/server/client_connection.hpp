// The client side of a session as the proxy sees it: the stream to write to and how the
// current request wants its response framed.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "infergate/common/socket_deadline.hpp"
#include "infergate/net.hpp"
#include "infergate/server/client_stream.hpp"
#include "infergate/stages/auth/key_memo.hpp"
#include "infergate/tls/peer_certificate.hpp"

namespace infergate::server {

struct ClientConnection {
    explicit ClientConnection(tcp::socket socket) : stream(std::move(socket)), deadline(stream.socket()) {
        buffer.reserve(8 * 1024);  // Beast reads at most the free capacity per recv
    }

    ClientStream stream;             // plain TCP or TLS
    // The one deadline of whatever the session waits for on this socket: the idle wait, the
    // header, the body, each write. Lazy (see SocketDeadline), so moving it on for every
    // write of a stream costs no timer operation, where the stream's per-operation expiry
    // scheduled and cancelled one each time.
    SocketDeadline deadline;
    beast::flat_buffer buffer;       // request bytes read ahead (pipelining)
    std::string relay_buffer;        // reused by every stream on this connection
    std::string translated_buffer;   // a translated stream's client events, reused likewise
    std::string head_buffer;         // reused for each upstream request head and response head
    // The capacity of the last request's RequestContext::response_headers, lent to the next
    // (six rate-limit header lines a request would otherwise cost an allocation each time).
    std::string response_headers_spare;
    std::string peer;                // "ip:port", for the access log
    net::ip::address address;        // the peer's, for per-address limits
    auth::KeyMemo key_memo;          // the API key its requests last authenticated with
    // Set after a TLS handshake in which the client's certificate was verified.
    std::optional<tls::PeerCertificate> certificate;
    unsigned version = 11;           // of the current request
    bool keep_alive = true;          // what the current request allows
    bool write_timed_out = false;    // a write hit its deadline (counted when the session ends)
};

}  // namespace infergate::server
