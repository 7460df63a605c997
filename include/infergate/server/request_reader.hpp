// Reads one request from a client connection into Beast's parser and applies the framing
// rules (request_framing.hpp) the parser lacks. Deadlines are the caller's: these only read.
#pragma once

#include <cstddef>
#include <optional>

#include "infergate/net.hpp"
#include "infergate/server/client_connection.hpp"
#include "infergate/server/request_framing.hpp"

namespace infergate::server {

using RequestParser = http::request_parser<http::string_body>;

// How reading ended when it did not end with a request: a transport, size or timeout error
// (eof, reset, operation_aborted, header_limit, body_limit, ...) or a broken framing rule.
struct ReadOutcome {
    beast::error_code error;
    std::optional<FramingViolation> violation;
    bool ok() const noexcept { return !error && !violation; }
};

// Reads into client.buffer until the head is complete, checking the raw bytes as they come
// (a head longer than `max_header_bytes` is header_limit), then parses it and checks the
// fields. Bytes after the head stay in the buffer.
net::awaitable<ReadOutcome> read_head(ClientConnection& client, RequestParser& parser,
                                      std::size_t max_header_bytes);

// Reads the body the head announced. A chunk line or trailer section the parser is waiting
// for may not reach `max_pending_bytes` (Beast bounds neither), and trailer fields are refused.
net::awaitable<ReadOutcome> read_body(ClientConnection& client, RequestParser& parser,
                                      std::size_t max_pending_bytes);

}  // namespace infergate::server
