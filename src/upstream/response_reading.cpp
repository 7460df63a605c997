#include "infergate/upstream/response_reading.hpp"

namespace infergate::upstream {

bool parse_buffered(http::basic_parser<false>& parser, beast::flat_buffer& buffer,
                    beast::error_code& ec) {
    if (buffer.size() == 0) return false;
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec != http::error::need_more) return true;
    ec = {};
    return false;
}

net::mutable_buffer read_room(beast::flat_buffer& buffer) {
    // The buffer's max_size is unbounded: read_size never comes back 0 (Beast's overflow case).
    return buffer.prepare(beast::read_size(buffer, 64 * 1024));
}

bool settle_read(http::basic_parser<false>& parser, beast::flat_buffer& buffer, std::size_t n,
                 const beast::error_code& read_ec, beast::error_code& ec) {
    buffer.commit(n);
    if (!read_ec) return true;
    if (read_ec != net::error::eof) {
        ec = read_ec;
    } else if (parser.got_some()) {
        ec = {};
        parser.put_eof(ec);
    } else {
        ec = http::error::end_of_stream;
    }
    return false;
}

}  // namespace infergate::upstream
