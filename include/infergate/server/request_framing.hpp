// HTTP/1.1 framing rules for client requests that Beast's parser does not enforce itself, so
// that the gateway and any hop behind it can never disagree about where a request ends
// (request smuggling). Three checks, no I/O:
//   - HeadScanner: the raw head bytes (line endings, characters, request line, field syntax);
//   - check_header: the parsed head (Transfer-Encoding, Content-Length, Host);
//   - check_pending_chunk_bytes: chunk lines and trailers the parser is still waiting for.
// Each violation has one status, message, error code and metric label (docs/security.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "infergate/api/error.hpp"
#include "infergate/net.hpp"

namespace infergate::observability {
enum class ClientError : std::uint8_t;
}

namespace infergate::server {

enum class FramingViolation : std::uint8_t {
    // request line
    bad_request_line,        // not `method SP target SP HTTP/d.d`
    connect_method,          // 405: the gateway is not a tunnel
    target_not_origin_form,  // absolute-form, authority-form, `*` other than OPTIONS
    http_version,            // 505: well-formed but not 1.0 / 1.1
    // lines and fields
    bare_line_ending,   // LF without CR, or CR without LF
    control_character,  // NUL, DEL or another CTL (HT is allowed in values)
    obs_fold,           // a line starting with SP/HT
    bad_field_name,     // not an RFC 9110 token, or no colon
    space_before_colon,
    underscore_in_field_name,
    bad_field_value,
    // framing fields
    bad_transfer_encoding,        // two fields, a bad list, `chunked` missing, twice or not last
    unsupported_transfer_coding,  // 501: `gzip, chunked`
    transfer_encoding_in_http10,
    bad_content_length,  // repeated (even if equal), a list, not all digits
    missing_host,
    duplicate_host,
    // chunked body
    bad_chunk,
    chunk_framing_too_large,  // a chunk line or the trailers outgrow the header budget
    trailer_fields,           // Beast would merge them into the header (RFC 9110 §6.5.1)
};

// The response for a violation: OpenAI error shape, never quoting the offending bytes.
api::Error framing_error(FramingViolation violation);
// Its bounded `reason` label on infergate_client_errors_total.
observability::ClientError client_error(FramingViolation violation);
// The violation for an error Beast's parser reported, or nothing for errors that are not
// about syntax (need_more, header_limit, body_limit, partial_message, ...).
std::optional<FramingViolation> parser_violation(const beast::error_code& ec);

// Checks a request head as its bytes arrive. Feed it the whole buffered request every time
// (the same bytes plus whatever arrived since); it resumes where it stopped, so a head that
// trickles in byte by byte costs linear time. A byte that no valid head may contain is
// reported before the head is complete: a TLS ClientHello fails on its first byte.
class HeadScanner {
public:
    struct Result {
        std::optional<FramingViolation> violation;
        std::size_t head_size = 0;  // > 0 once the blank line ending the head was seen
    };
    Result scan(std::string_view buffered);

private:
    std::size_t pos_ = 0;         // next byte to look at
    std::size_t line_start_ = 0;  // where the current line begins
    std::size_t lines_ = 0;       // complete lines so far (0: the request line is pending)
};

// Rules on the parsed head. Beast already rejects Content-Length together with
// Transfer-Encoding, differing Content-Length values and malformed numbers.
std::optional<FramingViolation> check_header(const http::request_header<>& head);

// While a chunked body waits for more input, the unparsed bytes are a chunk-size line or the
// trailer section, where every LF must follow a CR. Beast waits for a CRLF forever instead
// of rejecting a bare LF; this reports it at once.
std::optional<FramingViolation> check_pending_chunk_bytes(std::string_view pending);

}  // namespace infergate::server
