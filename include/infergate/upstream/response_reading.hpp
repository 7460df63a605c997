// Reading a response from an upstream connection into Beast's parser, step by step, the way
// beast::http::async_read_some does it but without its composed operation. That operation
// posts its completion through the scheduler whenever the bytes were already buffered (a
// 300-byte answer arrives with its head, so the body's read always did), and carries a work
// guard and executor copies per read. Here the caller's coroutine awaits the socket itself:
//
//     while (!parser.is_done() && !ec) {
//         if (upstream::parse_buffered(parser, buffer, ec)) continue;
//         auto [read_ec, n] = co_await socket.async_read_some(upstream::read_room(buffer), ...);
//         upstream::settle_read(parser, buffer, n, read_ec, ec);
//     }
//
// Errors are Beast's own (end_of_stream, partial_message, body_limit, need_buffer, ...), so
// whatever classifies them does not change.
#pragma once

#include <cstddef>

#include "infergate/net.hpp"

namespace infergate::upstream {

// Parses what `buffer` holds and consumes it. True when the parser moved on (a piece of the
// message was parsed, or it failed: `ec`); false when it needs more bytes from the socket.
bool parse_buffered(http::basic_parser<false>& parser, beast::flat_buffer& buffer,
                    beast::error_code& ec);

// Where the next socket read goes: the buffer's free space, 512 bytes to 64 KiB, as Beast asks.
net::mutable_buffer read_room(beast::flat_buffer& buffer);

// Settles a socket read of `n` bytes that ended with `read_ec`. True: parse on. False: reading
// ended and `ec` says how. An EOF after part of a message is the parser's verdict (a body
// delimited by the close is complete, anything else is partial_message); an EOF before any
// byte is end_of_stream.
bool settle_read(http::basic_parser<false>& parser, beast::flat_buffer& buffer, std::size_t n,
                 const beast::error_code& read_ec, beast::error_code& ec);

}  // namespace infergate::upstream
