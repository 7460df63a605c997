// The upstream response read step (response_reading.hpp): what a buffered message parses to,
// when the socket must be read, and what an EOF means at each point, as Beast's own reader.
#include "infergate/upstream/response_reading.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace infergate::upstream {
namespace {

void append(beast::flat_buffer& buffer, std::string_view bytes) {
    const auto room = buffer.prepare(bytes.size());
    std::memcpy(room.data(), bytes.data(), bytes.size());
    buffer.commit(bytes.size());
}

// Feeds `bytes` as socket reads of `step` bytes each, then an EOF if `eof`; returns the error
// reading ended with and how many reads the parser asked for.
struct Result {
    beast::error_code ec;
    int reads = 0;
};
template <class Parser>
Result read_all(Parser& parser, std::string_view bytes, std::size_t step, bool eof) {
    beast::flat_buffer buffer;
    Result result;
    while (!parser.is_done() && !result.ec) {
        if (parse_buffered(parser, buffer, result.ec)) continue;
        ++result.reads;
        const net::mutable_buffer room = read_room(buffer);
        EXPECT_GE(room.size(), 512u);
        const std::size_t n = std::min({step, bytes.size(), room.size()});
        std::memcpy(room.data(), bytes.data(), n);
        bytes.remove_prefix(n);
        const bool end = n == 0;
        if (end && !eof) break;
        if (!settle_read(parser, buffer, n, end ? beast::error_code(net::error::eof) : beast::error_code{},
                         result.ec)) {
            break;
        }
    }
    return result;
}

constexpr std::string_view kAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\":\"x\"}\n";

TEST(ResponseReading, AMessageBufferedWholeParsesWithoutAnotherRead) {
    beast::flat_buffer buffer;
    append(buffer, kAnswer);
    http::response_parser<http::string_body> parser;
    beast::error_code ec;
    while (!parser.is_done() && !ec) ASSERT_TRUE(parse_buffered(parser, buffer, ec));
    EXPECT_FALSE(ec);
    EXPECT_EQ(parser.get().body(), "{\"id\":\"x\"}\n");
    EXPECT_EQ(buffer.size(), 0u);
}

TEST(ResponseReading, AMessageArrivingByteByByteIsAssembled) {
    http::response_parser<http::string_body> parser;
    const Result result = read_all(parser, kAnswer, 1, false);
    EXPECT_FALSE(result.ec);
    EXPECT_TRUE(parser.is_done());
    EXPECT_EQ(parser.get()[http::field::content_type], "application/json");
    EXPECT_EQ(parser.get().body(), "{\"id\":\"x\"}\n");
    EXPECT_GE(result.reads, static_cast<int>(kAnswer.size()));
}

TEST(ResponseReading, ReadingTheHeadLeavesTheBodyBuffered) {
    beast::flat_buffer buffer;
    append(buffer, kAnswer);
    http::response_parser<http::buffer_body> parser;
    beast::error_code ec;
    ASSERT_TRUE(parse_buffered(parser, buffer, ec));
    EXPECT_FALSE(ec);
    EXPECT_TRUE(parser.is_header_done());
    EXPECT_EQ(buffer.size(), 11u);
}

TEST(ResponseReading, AnEofBeforeAnyByteIsEndOfStream) {
    http::response_parser<http::string_body> parser;
    EXPECT_EQ(read_all(parser, "", 64, true).ec, http::error::end_of_stream);
}

TEST(ResponseReading, AnEofInsideTheHeadOrABodyOfKnownLengthIsPartialMessage) {
    http::response_parser<http::string_body> in_head;
    EXPECT_EQ(read_all(in_head, "HTTP/1.1 200 OK\r\nContent-Le", 64, true).ec, http::error::partial_message);
    http::response_parser<http::string_body> in_body;
    EXPECT_EQ(read_all(in_body, kAnswer.substr(0, kAnswer.size() - 3), 64, true).ec,
              http::error::partial_message);
    http::response_parser<http::string_body> in_chunk;
    EXPECT_EQ(read_all(in_chunk, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 64, true).ec,
              http::error::partial_message);
}

TEST(ResponseReading, AnEofEndsABodyDelimitedByTheClose) {
    http::response_parser<http::string_body> parser;
    const Result result = read_all(parser, "HTTP/1.1 200 OK\r\n\r\nall of it", 7, true);
    EXPECT_FALSE(result.ec);
    ASSERT_TRUE(parser.is_done());
    EXPECT_EQ(parser.get().body(), "all of it");
}

TEST(ResponseReading, ASocketErrorIsReportedAsItCame) {
    http::response_parser<http::string_body> parser;
    beast::flat_buffer buffer;
    beast::error_code ec;
    EXPECT_FALSE(settle_read(parser, buffer, 0, net::error::connection_reset, ec));
    EXPECT_EQ(ec, net::error::connection_reset);
}

TEST(ResponseReading, TheParsersOwnErrorsStopIt) {
    beast::flat_buffer buffer;
    append(buffer, kAnswer);
    http::response_parser<http::string_body> parser;
    parser.body_limit(4);
    beast::error_code ec;
    while (!parser.is_done() && !ec) ASSERT_TRUE(parse_buffered(parser, buffer, ec));
    EXPECT_EQ(ec, http::error::body_limit);
}

}  // namespace
}  // namespace infergate::upstream
