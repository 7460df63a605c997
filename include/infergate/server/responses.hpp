// Building and writing the gateway's own responses (errors, local endpoints).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "infergate/api/endpoint.hpp"
#include "infergate/api/error.hpp"
#include "infergate/config/config.hpp"
#include "infergate/net.hpp"
#include "infergate/server/client_connection.hpp"

namespace infergate::server {

using Response = http::response<http::string_body>;

Response make_response(unsigned status, std::string body, std::string_view content_type,
                       const ClientConnection& client, std::string_view request_id);
// `extra_headers`: preformatted "name: value\r\n" lines (rate-limit headers, Retry-After).
// A client of Anthropic's API (`endpoint` /v1/messages...) gets the error in Anthropic's shape.
Response make_error_response(const api::Error& error, const ClientConnection& client,
                             std::string_view request_id, std::string_view extra_headers = {},
                             api::Endpoint endpoint = api::Endpoint::unknown);

// The head of a proxied response, appended to `out`: status line, the upstream's forwardable
// headers, x-request-id, and framing (Content-Length, or chunked / close-delimited when
// `content_length` is empty). Built by hand into a reused string: no per-header allocation.
struct ProxiedHead {
    const http::response_header<>& upstream;
    const ClientConnection& client;
    std::string_view request_id;
    std::optional<std::size_t> content_length;
    bool event_stream = false;  // sets Cache-Control: no-cache
    // The gateway's own header lines; when they carry rate-limit headers, the upstream's
    // x-ratelimit-* (the provider's limits for the backend's key) are not forwarded.
    std::string_view extra_headers = {};
    // Which public model and backend answered (after aliases, rules, canaries, retries and
    // fallbacks): x-infergate-model / x-infergate-backend. Empty: not sent. A model name that
    // is not a plain visible-ASCII token (client text, via the "*" route) is not sent either.
    std::string_view served_model = {};
    std::string_view backend = {};
};
void append_proxied_head(std::string& out, const ProxiedHead& head);

// Every write to a client goes through these two: within `timeout`, or the connection is
// closed and `write_timed_out` set; they return the error (beast::error::timeout when the
// client stopped reading, so a client that never reads holds the connection, and any upstream
// exchange waiting on it, for at most `timeout` per write).
net::awaitable<beast::error_code> write_response(ClientConnection& client, Response& response,
                                                 config::Duration timeout);
template <class Buffers>
net::awaitable<beast::error_code> write_bytes(ClientConnection& client, const Buffers& buffers,
                                              config::Duration timeout);

// Settles a finished write: the deadline disarmed; a write it cancelled is a timeout, which
// closes the connection (what is left of a half-written response is of no use to anyone).
inline beast::error_code write_done(ClientConnection& client, beast::error_code ec) {
    client.deadline.disarm();
    if (client.deadline.caused(ec)) {
        client.write_timed_out = true;
        client.stream.close();
        return beast::error::timeout;
    }
    return ec;
}

template <class Buffers>
net::awaitable<beast::error_code> write_bytes(ClientConnection& client, const Buffers& buffers,
                                              config::Duration timeout) {
    beast::error_code ec;
    const std::size_t sent = client.stream.write_now(buffers, ec);
    if (ec != net::error::would_block && (ec || sent == beast::buffer_bytes(buffers))) {
        client.deadline.disarm();  // as after a write that waited
        co_return ec;               // all of it, or broken pipe / reset as async_write says
    }
    // The socket's send buffer is full (a slow reader, a large body): wait for the rest.
    beast::buffers_suffix<Buffers> rest(buffers);
    rest.consume(sent);
    client.deadline.arm(timeout);
    auto [write_ec, written] = co_await net::async_write(client.stream, rest, use_tuple);
    co_return write_done(client, write_ec);
}

}  // namespace infergate::server
