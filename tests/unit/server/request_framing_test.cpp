// The framing rules on exact bytes (catalogue §3.1, rows F1–F15), next to what Beast 1.81's
// request parser does with the same bytes on its own: the rows it accepts are the reason the
// rules exist, and a Boost upgrade that changes them shows up here.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "infergate/observability/metrics.hpp"
#include "infergate/server/request_framing.hpp"

namespace infergate::server {

// Readable failures: the violation's name instead of a number.
void PrintTo(FramingViolation violation, std::ostream* out) {
    // clang-format off
    static constexpr std::array kNames = {
        "bad_request_line", "connect_method", "target_not_origin_form", "http_version",
        "bare_line_ending", "control_character", "obs_fold", "bad_field_name",
        "space_before_colon", "underscore_in_field_name", "bad_field_value",
        "bad_transfer_encoding", "unsupported_transfer_coding", "transfer_encoding_in_http10",
        "bad_content_length", "missing_host", "duplicate_host", "bad_chunk",
        "chunk_framing_too_large", "trailer_fields"};
    // clang-format on
    *out << kNames.at(static_cast<std::size_t>(violation));
}

namespace {

using V = FramingViolation;
using Parser = http::request_parser<http::string_body>;

// What the gateway decides on a complete head: the raw scan, then Beast's parse, then the
// parsed-field rules, in the order read_head applies them.
std::optional<V> gateway_verdict(const std::string& bytes) {
    HeadScanner scanner;
    const HeadScanner::Result scan = scanner.scan(bytes);
    if (scan.violation) return scan.violation;
    EXPECT_GT(scan.head_size, 0u) << "the head is incomplete";
    Parser parser;
    beast::error_code ec;
    parser.put(net::buffer(bytes.data(), scan.head_size), ec);
    if (ec) {
        const auto violation = parser_violation(ec);
        EXPECT_TRUE(violation) << "no violation for Beast's " << ec.message();
        return violation;
    }
    return check_header(parser.get());
}

// Beast's parser alone on the whole message: the error it reports, if any.
beast::error_code beast_error(const std::string& bytes) {
    Parser parser;
    parser.eager(true);
    beast::error_code ec;
    parser.put(net::buffer(bytes), ec);
    return ec == http::error::need_more ? beast::error_code() : ec;
}

struct HeadCase {
    const char* row;
    std::string bytes;
    std::optional<V> gateway;  // nullopt: accepted
    bool beast_rejects;        // Beast 1.81 alone
};

const std::string kPost = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n";
const std::string kChunkedBody = "\r\n5\r\nhello\r\n0\r\n\r\n";

std::string post(const std::string& fields, const std::string& rest = "\r\n") {
    return kPost + fields + rest;
}
std::string get(const std::string& lines) { return "GET /healthz HTTP/1.1\r\n" + lines + "\r\n"; }

// clang-format off
const std::vector<HeadCase>& head_cases() {
    static const std::vector<HeadCase> cases = {
        {"F1 CL then TE", post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "\r\n0\r\n\r\nX"),
         V::bad_transfer_encoding, true},
        {"F2 TE then CL", post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "\r\n8\r\nSMUGGLED\r\n0\r\n\r\n"),
         V::bad_content_length, true},
        {"F3 chunked, identity", post("Transfer-Encoding: chunked, identity\r\n", kChunkedBody),
         V::bad_transfer_encoding, false},
        {"F3 xchunked", post("Transfer-Encoding: xchunked\r\n", kChunkedBody), V::bad_transfer_encoding, false},
        {"F3 identity + chunked lines", post("Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n", kChunkedBody),
         V::bad_transfer_encoding, false},
        {"F3 chunked twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", kChunkedBody),
         V::bad_transfer_encoding, true},
        {"F3 chunked;x=1", post("Transfer-Encoding: chunked;x=1\r\n", kChunkedBody), V::bad_transfer_encoding, false},
        {"F3 trailing comma", post("Transfer-Encoding: chunked,\r\n", kChunkedBody), V::bad_transfer_encoding, false},
        {"F3 leading comma", post("Transfer-Encoding: ,chunked\r\n", kChunkedBody), V::bad_transfer_encoding, false},
        {"F3 empty", post("Transfer-Encoding: \r\n"), V::bad_transfer_encoding, false},
        {"F3 CHUNKED", post("Transfer-Encoding: CHUNKED\r\n", kChunkedBody), std::nullopt, false},
        {"F3 chunked + OWS", post("Transfer-Encoding: \t chunked \r\n", kChunkedBody), std::nullopt, false},
        {"F4 gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n", kChunkedBody),
         V::unsupported_transfer_coding, false},
        {"F4 gzip", post("Transfer-Encoding: gzip\r\n", "\r\nhello"), V::bad_transfer_encoding, false},
        {"F5 HTTP/1.0 + TE",
         "POST /v1/chat/completions HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + kChunkedBody,
         V::transfer_encoding_in_http10, false},
        {"F6 CL equal twice", post("Content-Length: 5\r\nContent-Length: 5\r\n", "\r\nhello"), V::bad_content_length, false},
        {"F6 CL different", post("Content-Length: 5\r\nContent-Length: 6\r\n", "\r\nhello!"), V::bad_content_length, true},
        {"F6 CL 5, 5", post("Content-Length: 5, 5\r\n", "\r\nhello"), V::bad_content_length, false},
        {"F6 CL empty", post("Content-Length: \r\n"), V::bad_content_length, true},
        {"F6 CL +5", post("Content-Length: +5\r\n", "\r\nhello"), V::bad_content_length, true},
        {"F6 CL 0x5", post("Content-Length: 0x5\r\n", "\r\nhello"), V::bad_content_length, true},
        {"F6 CL -1", post("Content-Length: -1\r\n"), V::bad_content_length, true},
        {"F6 CL 2^64+5", post("Content-Length: 18446744073709551621\r\n", "\r\nhello"), V::bad_content_length, true},
        {"F6 CL with OWS", post("Content-Length:  5 \r\n", "\r\nhello"), std::nullopt, false},
        {"F7 obs-fold", post("X-Foo: a\r\n b\r\n"), V::obs_fold, false},
        {"F7 obs-fold TE", post("Transfer-Encoding:\r\n chunked\r\n", kChunkedBody), V::obs_fold, false},
        {"F7 obs-fold tab", post("X-Foo: a\r\n\tb\r\n"), V::obs_fold, false},
        {"F8 space before colon", post("Transfer-Encoding : chunked\r\n", kChunkedBody), V::space_before_colon, true},
        {"F8 tab-led TE line", post("\tTransfer-Encoding: chunked\r\n", kChunkedBody), V::obs_fold, false},
        {"F8 space-led first field", "POST / HTTP/1.1\r\n Host: x\r\n\r\n", V::obs_fold, true},
        {"F8 Transfer_Encoding", post("Transfer_Encoding: chunked\r\n", kChunkedBody), V::underscore_in_field_name, false},
        {"F8 \\x01 before name", post("\x01" "Content-Length: 5\r\n", "\r\nhello"), V::control_character, true},
        {"F8 non-ASCII name", post("Tr\xc3\xa4nsfer-Encoding: chunked\r\n"), V::bad_field_name, true},
        {"F8 / in name", post("X/Y: 1\r\n"), V::bad_field_name, true},
        {"F8 empty name", post(": v\r\n"), V::bad_field_name, true},
        {"F8 no colon", post("NoColon\r\n"), V::bad_field_name, true},
        {"F9 LF only", "GET /healthz HTTP/1.1\nHost: x\n\n", V::bare_line_ending, true},
        {"F9 one LF field", get("Host: x\nX: y\r\n"), V::bare_line_ending, true},
        {"F9 LF blank line", "GET /healthz HTTP/1.1\r\nHost: x\r\n\n", V::bare_line_ending, false},
        {"F9 CR in value", get("Host: x\r\nX: a\rb\r\n"), V::bare_line_ending, true},
        {"F9 NUL in value", get("Host: x\r\nX: a" + std::string(1, '\0') + "b\r\n"), V::control_character, true},
        {"F9 DEL in value", get("Host: x\r\nX: a\x7f" "b\r\n"), V::control_character, true},
        {"F9 \\x01 in value", get("Host: x\r\nX: a\x01" "b\r\n"), V::control_character, true},
        {"F9 HT in value", get("Host: x\r\nX: a\tb\r\n"), std::nullopt, false},
        {"F9 obs-text in value", get("Host: x\r\nX: caf\xc3\xa9\r\n"), std::nullopt, false},
        {"F13 no Host", get(""), V::missing_host, false},
        {"F13 two Hosts", get("Host: a\r\nHost: b\r\n"), V::duplicate_host, false},
        {"F13 HTTP/1.0 without Host", "GET /healthz HTTP/1.0\r\n\r\n", std::nullopt, false},
        {"F14 hello", "hello\r\n\r\n", V::bad_request_line, true},
        {"F14 GE(T", "GE(T / HTTP/1.1\r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 HTTP/1.01", "GET / HTTP/1.01\r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 http/1.1", "GET / http/1.1\r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", V::http_version, true},
        {"F14 HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", V::http_version, true},
        {"F14 HTTP/0.9", "GET / HTTP/0.9\r\nHost: x\r\n\r\n", V::http_version, true},
        {"F14 no version", "GET /\r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 double space", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 space in target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 trailing space", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 HT separator", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 leading CRLF", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", V::bad_request_line, true},
        {"F14 absolute-form", "GET http://evil/healthz HTTP/1.1\r\nHost: x\r\n\r\n", V::target_not_origin_form, false},
        {"F14 asterisk-form GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", V::target_not_origin_form, false},
        {"F14 asterisk-form OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", std::nullopt, false},
        {"F14 CONNECT", "CONNECT evil:443 HTTP/1.1\r\nHost: evil:443\r\n\r\n", V::connect_method, false},
        {"F14 unknown method", "FOO / HTTP/1.1\r\nHost: x\r\n\r\n", std::nullopt, false},
        {"F15 HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", V::target_not_origin_form, true},
        {"F15 TLS ClientHello", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n",
         V::control_character, true},
        {"plain GET", get("Host: x\r\n"), std::nullopt, false},
        {"plain chunked POST", post("Transfer-Encoding: chunked\r\n", kChunkedBody), std::nullopt, false},
    };
    return cases;
}
// clang-format on

TEST(RequestFraming, EachHeadGetsItsVerdict) {
    for (const auto& c : head_cases()) {
        SCOPED_TRACE(c.row);
        EXPECT_EQ(gateway_verdict(c.bytes), c.gateway);
        EXPECT_EQ(static_cast<bool>(beast_error(c.bytes)), c.beast_rejects)
            << beast_error(c.bytes).message();
    }
}

TEST(RequestFraming, ByteByByteGivesTheSameVerdictAsAllAtOnce) {
    for (const auto& c : head_cases()) {
        SCOPED_TRACE(c.row);
        HeadScanner whole, trickled;
        const HeadScanner::Result expected = whole.scan(c.bytes);
        HeadScanner::Result got;
        for (std::size_t n = 1; n <= c.bytes.size(); ++n) {
            got = trickled.scan(std::string_view(c.bytes).substr(0, n));
            if (got.violation || got.head_size > 0) break;
        }
        EXPECT_EQ(got.violation, expected.violation);
        EXPECT_EQ(got.head_size, expected.head_size);
    }
}

// The scanner checks sixteen bytes at a time, then eight: every byte value, at every offset
// within a block (here, every place in the line's first three blocks), must still get the
// byte-by-byte verdict (tab, visible ASCII, space and obs-text pass; any other control byte
// or DEL is refused; a CR only before the LF).
TEST(RequestFraming, EveryByteValueAtEveryOffsetGetsItsVerdict) {
    for (int byte = 0; byte < 256; ++byte) {
        if (byte == '\n') continue;
        for (std::size_t offset = 0; offset < 40; ++offset) {
            std::string value(40, 'v');
            value[offset] = static_cast<char>(byte);
            const std::string head = "GET / HTTP/1.1\r\nHost: x\r\nX-Probe: " + value + "\r\n\r\n";
            HeadScanner scanner;
            const HeadScanner::Result scan = scanner.scan(head);
            const bool allowed = byte == '\t' || (byte >= 0x20 && byte != 0x7f);
            if (allowed) {
                EXPECT_FALSE(scan.violation) << "byte " << byte << " at " << offset;
                EXPECT_EQ(scan.head_size, head.size()) << "byte " << byte << " at " << offset;
            } else {
                const auto expected = byte == '\r' ? FramingViolation::bare_line_ending
                                                    : FramingViolation::control_character;
                EXPECT_EQ(scan.violation, expected) << "byte " << byte << " at " << offset;
            }
        }
    }
}

TEST(RequestFraming, BinaryGarbageFailsBeforeTheHeadIsComplete) {
    HeadScanner scanner;
    EXPECT_EQ(scanner.scan(std::string("\x16\x03\x01", 3)).violation, V::control_character);
    HeadScanner partial;
    const auto result =
        partial.scan("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Long: aaaa");
    EXPECT_FALSE(result.violation);
    EXPECT_EQ(result.head_size, 0u);  // needs more
}

TEST(RequestFraming, HeadSizeStopsAtTheBlankLine) {
    const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    HeadScanner scanner;
    EXPECT_EQ(scanner.scan(head + "GET /next HTTP/1.1\r\n").head_size, head.size());
}

// F10–F12: Beast's chunked-body parser on its own.
std::string chunked(const std::string& body) {
    return post("Transfer-Encoding: chunked\r\n", "\r\n" + body);
}

TEST(RequestFraming, BeastRejectsBadChunkSizesAndFramingTrailers) {
    const std::vector<std::pair<std::string, V>> cases = {
        {"fffffffffffffffff1\r\nhello\r\n0\r\n\r\n", V::bad_chunk},
        {"-5\r\nhello\r\n0\r\n\r\n", V::bad_chunk},
        {"0x5\r\nhello\r\n0\r\n\r\n", V::bad_chunk},
        {" 5\r\nhello\r\n0\r\n\r\n", V::bad_chunk},
        {"5 \r\nhello\r\n0\r\n\r\n", V::bad_chunk},
        {"3\r\nhello\r\n0\r\n\r\n", V::bad_chunk},
        {"5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n", V::bad_content_length},
        {"5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n", V::bad_transfer_encoding},
    };
    for (const auto& [body, violation] : cases) {
        SCOPED_TRACE(body);
        EXPECT_EQ(parser_violation(beast_error(chunked(body))), violation);
    }
}

TEST(RequestFraming, BeastWaitsForeverOnLfOnlyChunkLinesThePendingCheckDoesNot) {
    Parser parser;
    parser.eager(true);
    const std::string bytes = chunked("5\nhello\n0\n\n");
    beast::error_code ec;
    const std::size_t used = parser.put(net::buffer(bytes), ec);
    EXPECT_EQ(ec, http::error::need_more);
    EXPECT_EQ(check_pending_chunk_bytes(std::string_view(bytes).substr(used)), V::bad_chunk);
}

TEST(RequestFraming, PendingChunkBytesNeedCrBeforeEveryLf) {
    EXPECT_EQ(check_pending_chunk_bytes(""), std::nullopt);
    EXPECT_EQ(check_pending_chunk_bytes("\r\n5;ext=1"), std::nullopt);
    EXPECT_EQ(check_pending_chunk_bytes("0\r\nX-Trailer: a\r\n"), std::nullopt);
    EXPECT_EQ(check_pending_chunk_bytes("\n5\r\n"), V::bad_chunk);
    EXPECT_EQ(check_pending_chunk_bytes("\r\n5\n"), V::bad_chunk);
    EXPECT_EQ(check_pending_chunk_bytes("0\r\nX: a\n"), V::bad_chunk);
}

// F11/F12: why read_body bounds the pending bytes, guards put() and refuses trailers.
TEST(RequestFraming, BeastLeavesChunkExtensionsAndTrailersUnbounded) {
    EXPECT_FALSE(
        beast_error(chunked("5;a=" + std::string(2 << 20, 'x') + "\r\nhello\r\n0\r\n\r\n")));
    EXPECT_THROW(
        beast_error(chunked("5\r\nhello\r\n0\r\nX-T: " + std::string(70 << 10, 'x') + "\r\n\r\n")),
        std::length_error);

    Parser parser;
    parser.eager(true);
    const std::string bytes = chunked("5\r\nhello\r\n0\r\nX-Smuggled: 1\r\n\r\n");
    beast::error_code ec;
    parser.put(net::buffer(bytes), ec);
    ASSERT_TRUE(parser.is_done()) << ec.message();
    EXPECT_EQ(parser.get()["X-Smuggled"], "1");  // merged into the header
}

TEST(RequestFraming, ErrorsHaveOneShapeAndStatusPerViolation) {
    for (std::size_t i = 0; i <= static_cast<std::size_t>(V::trailer_fields); ++i) {
        const auto violation = static_cast<V>(i);
        SCOPED_TRACE(::testing::PrintToString(violation));
        const api::Error error = framing_error(violation);
        EXPECT_EQ(error.type, "invalid_request_error");
        EXPECT_FALSE(error.message.empty());
        EXPECT_TRUE(error.param.empty());
        const unsigned expected_status = violation == V::connect_method                ? 405
                                         : violation == V::unsupported_transfer_coding ? 501
                                         : violation == V::http_version                ? 505
                                                                                       : 400;
        EXPECT_EQ(error.status, expected_status);
        EXPECT_EQ(error.code, expected_status == 405   ? "method_not_allowed"
                              : expected_status == 501 ? "unsupported_transfer_encoding"
                              : expected_status == 505 ? "http_version_not_supported"
                                                       : "bad_request");
        EXPECT_NE(observability::label(client_error(violation)), "other");
    }
}

TEST(RequestFraming, OnlySyntaxErrorsFromBeastAreViolations) {
    EXPECT_EQ(parser_violation(http::error::need_more), std::nullopt);
    EXPECT_EQ(parser_violation(http::error::header_limit), std::nullopt);
    EXPECT_EQ(parser_violation(http::error::body_limit), std::nullopt);
    EXPECT_EQ(parser_violation(http::error::bad_chunk_extension), V::bad_chunk);
    EXPECT_EQ(parser_violation(http::error::multiple_content_length), V::bad_content_length);
}

}  // namespace
}  // namespace infergate::server
