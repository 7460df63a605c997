#include "infergate/server/request_reader.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string_view>

namespace infergate::server {
namespace {

constexpr std::size_t kReadSize = 64 * 1024;  // per recv, as in Beast's own read loop

std::string_view buffered(const beast::flat_buffer& buffer) {
    return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

// Beast stores field offsets in 16 bits and throws std::length_error for a longer field
// (possible with max_header_bytes above 64 KiB, and in trailers): an error, not an exception.
std::size_t put(RequestParser& parser, net::const_buffer bytes, beast::error_code& ec) {
    try {
        return parser.put(bytes, ec);
    } catch (const std::length_error&) {
        ec = http::error::header_limit;
        return 0;
    }
}

ReadOutcome outcome_of(const beast::error_code& ec) {
    if (auto violation = parser_violation(ec)) return {{}, violation};
    return {ec, std::nullopt};
}

}  // namespace

net::awaitable<ReadOutcome> read_head(ClientConnection& client, RequestParser& parser,
                                      std::size_t max_header_bytes) {
    HeadScanner scanner;
    std::size_t head_size = 0;
    while (head_size == 0) {
        // Pipelined bytes may already hold more than one head: look at one head's budget.
        const std::string_view bytes = buffered(client.buffer).substr(0, max_header_bytes);
        const HeadScanner::Result scan = scanner.scan(bytes);
        if (scan.violation) co_return ReadOutcome{{}, scan.violation};
        head_size = scan.head_size;
        if (head_size > 0) break;
        if (bytes.size() >= max_header_bytes) co_return ReadOutcome{http::error::header_limit, {}};
        const std::size_t room =
            std::min(beast::read_size(client.buffer, kReadSize), max_header_bytes - bytes.size());
        auto [ec, n] =
            co_await client.stream.async_read_some(client.buffer.prepare(room), use_tuple);
        client.buffer.commit(n);
        if (ec) co_return ReadOutcome{ec, {}};
    }
    beast::error_code ec;
    const std::size_t used = put(parser, net::buffer(client.buffer.data().data(), head_size), ec);
    client.buffer.consume(used);
    if (ec) co_return outcome_of(ec);
    co_return ReadOutcome{{}, check_header(parser.get())};
}

net::awaitable<ReadOutcome> read_body(ClientConnection& client, RequestParser& parser,
                                      std::size_t max_pending_bytes) {
    parser.eager(true);
    const auto& fields = parser.get();
    const auto head_fields = std::distance(fields.begin(), fields.end());
    for (;;) {
        if (client.buffer.size() > 0) {
            beast::error_code ec;
            const std::size_t used = put(parser, client.buffer.data(), ec);
            client.buffer.consume(used);
            if (parser.is_done()) {
                // Beast adds trailer fields to the header, where no check saw them.
                const bool trailers = std::distance(fields.begin(), fields.end()) != head_fields;
                co_return ReadOutcome{
                    {}, trailers ? std::optional(FramingViolation::trailer_fields) : std::nullopt};
            }
            if (!ec && used > 0) continue;  // progress: parse the rest before reading more
            if (ec && ec != http::error::need_more) co_return outcome_of(ec);
        }
        // Chunk data is always consumed: what is left is a chunk line or the trailers.
        if (parser.chunked()) {
            const std::string_view pending = buffered(client.buffer);
            if (auto violation = check_pending_chunk_bytes(pending)) {
                co_return ReadOutcome{{}, violation};
            }
            if (pending.size() >= max_pending_bytes) {
                co_return ReadOutcome{{}, FramingViolation::chunk_framing_too_large};
            }
        }
        auto [ec, n] = co_await client.stream.async_read_some(
            client.buffer.prepare(beast::read_size(client.buffer, kReadSize)), use_tuple);
        client.buffer.commit(n);
        if (ec) co_return ReadOutcome{ec, {}};
    }
}

}  // namespace infergate::server
