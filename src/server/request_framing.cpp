#include "infergate/server/request_framing.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "infergate/observability/metrics.hpp"

namespace infergate::server {
namespace {

using V = FramingViolation;

// Byte classes as tables: every byte of every request head goes through these.
struct ByteTable {
    std::array<bool, 256> yes{};
    bool operator[](unsigned char c) const { return yes[c]; }
};

// RFC 9110 §5.6.2 tchar.
constexpr ByteTable kTchar = [] {
    ByteTable table;
    for (int c = '0'; c <= '9'; ++c) table.yes[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) table.yes[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) table.yes[c] = true;
    for (const char c : std::string_view("!#$%&'*+-.^_`|~")) table.yes[static_cast<unsigned char>(c)] = true;
    return table;
}();

// What a head line may contain besides its CRLF: tab, visible ASCII, space, obs-text.
constexpr ByteTable kLineByte = [] {
    ByteTable table;
    table.yes['\t'] = true;
    for (int c = 0x20; c < 0x100; ++c) table.yes[c] = c != 0x7f;
    return table;
}();

// tchar without `_`: the bytes a field name may have here (check_field_line).
constexpr ByteTable kNameByte = [] {
    ByteTable table = kTchar;
    table.yes['_'] = false;
    return table;
}();

bool is_tchar(unsigned char c) { return kTchar[c]; }

bool is_token(std::string_view text) {
    if (text.empty()) return false;
    for (const char c : text) {
        if (!is_tchar(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "HTTP/" DIGIT "." DIGIT, exactly (RFC 9112 §2.3).
bool is_version_syntax(std::string_view text) {
    return text.size() == 8 && text.starts_with("HTTP/") && is_digit(text[5]) && text[6] == '.' &&
           is_digit(text[7]);
}

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// `line` without its CRLF; control characters were already refused byte by byte.
std::optional<V> check_request_line(std::string_view line) {
    const auto method_end = line.find(' ');
    if (method_end == std::string_view::npos) return V::bad_request_line;
    const std::string_view method = line.substr(0, method_end);
    const std::string_view rest = line.substr(method_end + 1);
    const auto target_end = rest.find(' ');
    if (target_end == std::string_view::npos) return V::bad_request_line;
    const std::string_view target = rest.substr(0, target_end);
    const std::string_view version = rest.substr(target_end + 1);
    if (!is_token(method) || target.empty() || target.find('\t') != std::string_view::npos ||
        !is_version_syntax(version)) {
        return V::bad_request_line;
    }
    if (method == "CONNECT") return V::connect_method;
    // Only paths: an absolute-form target would let the request name its own host.
    if (target.front() != '/' && !(target == "*" && method == "OPTIONS")) {
        return V::target_not_origin_form;
    }
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return V::http_version;
    return std::nullopt;
}

std::optional<V> check_field_line(std::string_view line) {
    // The usual line in one pass: name bytes up to the colon. Anything else takes the checks
    // below, which tell the violations apart.
    std::size_t at = 0;
    while (at < line.size() && kNameByte[static_cast<unsigned char>(line[at])]) ++at;
    if (at > 0 && at < line.size() && line[at] == ':') return std::nullopt;

    if (line.front() == ' ' || line.front() == '\t') return V::obs_fold;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return V::bad_field_name;
    const std::string_view name = line.substr(0, colon);
    if (!name.empty() && (name.back() == ' ' || name.back() == '\t')) return V::space_before_colon;
    if (!is_token(name)) return V::bad_field_name;
    // `_` is a valid tchar, but CGI-style servers and some proxies map it to `-` (or drop the
    // field): `Transfer_Encoding` must not mean Transfer-Encoding to the next hop.
    if (name.find('_') != std::string_view::npos) return V::underscore_in_field_name;
    return std::nullopt;
}

// The framing fields of a head, counted in one walk over its fields (Beast's equal_range
// compares names case-insensitively at every step of its ordered set, three times a request).
struct FramingFields {
    std::string_view transfer_encoding, content_length;
    unsigned transfer_encodings = 0, content_lengths = 0, hosts = 0;

    explicit FramingFields(const http::fields& fields) {
        for (const auto& field : fields) {
            switch (field.name()) {
                case http::field::transfer_encoding:
                    if (transfer_encodings++ == 0) transfer_encoding = field.value();
                    break;
                case http::field::content_length:
                    if (content_lengths++ == 0) content_length = field.value();
                    break;
                case http::field::host: ++hosts; break;
                default: break;
            }
        }
    }
};

// Only one `chunked`, as the last coding (RFC 9112 §6.1, §6.3): otherwise the body's end
// cannot be determined and the request is refused (400). Codings before it (`gzip, chunked`)
// frame correctly but are not supported (501).
std::optional<V> check_transfer_encoding(const http::request_header<>& head, const FramingFields& framing) {
    if (framing.transfer_encodings == 0) return std::nullopt;
    if (framing.transfer_encodings > 1) return V::bad_transfer_encoding;
    if (head.version() < 11) return V::transfer_encoding_in_http10;
    std::string_view rest = framing.transfer_encoding;
    std::size_t codings = 0;
    for (;;) {
        const auto comma = rest.find(',');
        const std::string_view coding = trim_ows(rest.substr(0, comma));
        if (!is_token(coding)) return V::bad_transfer_encoding;  // empty, or `chunked;x=1`
        ++codings;
        const bool chunked = beast::iequals(coding, "chunked");
        if (comma == std::string_view::npos) {
            if (!chunked) return V::bad_transfer_encoding;
            return codings == 1 ? std::nullopt : std::optional<V>(V::unsupported_transfer_coding);
        }
        if (chunked) return V::bad_transfer_encoding;  // chunked, but not last
        rest.remove_prefix(comma + 1);
    }
}

// Beast merges equal duplicates and reads `5, 5` as 5; a hop that takes the first or the
// last field line may not. One field, digits only.
std::optional<V> check_content_length(const FramingFields& framing) {
    if (framing.content_lengths == 0) return std::nullopt;
    if (framing.content_lengths > 1) return V::bad_content_length;
    const std::string_view value = framing.content_length;
    for (const char c : value) {
        if (!is_digit(c)) return V::bad_content_length;
    }
    return value.empty() ? std::optional<V>(V::bad_content_length) : std::nullopt;
}

std::optional<V> check_host(const http::request_header<>& head, const FramingFields& framing) {
    if (framing.hosts == 0 && head.version() >= 11) return V::missing_host;
    if (framing.hosts > 1) return V::duplicate_host;
    return std::nullopt;
}

api::Error refusal(unsigned status, std::string message, std::string code) {
    return {status, std::move(message), "invalid_request_error", std::move(code), {}};
}

api::Error bad_request(std::string message) {
    return refusal(400, std::move(message), "bad_request");
}

struct Answer {
    api::Error error;
    observability::ClientError reason;
};

// One place per violation: what the client is told and how it is counted.
Answer answer(FramingViolation violation) {
    using R = observability::ClientError;
    switch (violation) {
        case V::bad_request_line:
            return {bad_request("Malformed HTTP request line."), R::bad_request_line};
        case V::connect_method:
            return {refusal(405, "The CONNECT method is not supported.", "method_not_allowed"),
                    R::bad_request_line};
        case V::target_not_origin_form:
            return {bad_request("The request target must be a path starting with `/`."),
                    R::bad_request_line};
        case V::http_version:
            return {refusal(505, "Only HTTP/1.0 and HTTP/1.1 are supported.",
                            "http_version_not_supported"),
                    R::bad_request_line};
        case V::bare_line_ending:
            return {bad_request("Malformed HTTP request: every line must end with CRLF."),
                    R::bad_line_ending};
        case V::control_character:
            return {bad_request("Malformed HTTP request: control character in the request head."),
                    R::bad_header_field};
        case V::obs_fold:
            return {bad_request("Malformed HTTP request: folded header lines are not accepted."),
                    R::bad_header_field};
        case V::bad_field_name:
            return {
                bad_request("Malformed HTTP request: a header field name is not a valid token."),
                R::bad_header_field};
        case V::space_before_colon:
            return {
                bad_request("Malformed HTTP request: whitespace before a header field's colon."),
                R::bad_header_field};
        case V::underscore_in_field_name:
            return {bad_request("Header field names containing `_` are not accepted."),
                    R::bad_header_field};
        case V::bad_field_value:
            return {bad_request("Malformed HTTP request: invalid header field value."),
                    R::bad_header_field};
        case V::bad_transfer_encoding:
            return {bad_request("Transfer-Encoding must be a single `chunked`."),
                    R::bad_transfer_encoding};
        case V::unsupported_transfer_coding:
            return {refusal(501, "Transfer codings other than chunked are not supported.",
                            "unsupported_transfer_encoding"),
                    R::bad_transfer_encoding};
        case V::transfer_encoding_in_http10:
            return {bad_request("Transfer-Encoding is not allowed in an HTTP/1.0 request."),
                    R::bad_transfer_encoding};
        case V::bad_content_length:
            return {bad_request("Content-Length must be one field with a decimal number."),
                    R::bad_content_length};
        case V::missing_host:
            return {bad_request("An HTTP/1.1 request must have a Host header."), R::bad_host};
        case V::duplicate_host:
            return {bad_request("A request must not have two Host headers."), R::bad_host};
        case V::bad_chunk:
            return {bad_request("Malformed chunked request body."), R::bad_chunk};
        case V::chunk_framing_too_large:
            return {bad_request(
                        "A chunk line or the trailer section of the request body is too large."),
                    R::bad_chunk};
        case V::trailer_fields:
            return {bad_request("Trailer fields are not accepted in a request."), R::bad_chunk};
    }
    return {bad_request("Malformed HTTP request."), R::bad_request};
}

}  // namespace

HeadScanner::Result HeadScanner::scan(std::string_view buffered) {
    while (pos_ < buffered.size()) {
        // A CR that ended the previous call's bytes must be followed by the LF.
        if (pos_ > line_start_ && buffered[pos_ - 1] == '\r' && buffered[pos_] != '\n') {
            return {V::bare_line_ending};
        }
        // The line's end found by memchr, its bytes checked by table: no per-byte branches
        // beyond one lookup.
        const std::size_t lf = buffered.find('\n', pos_);
        const std::size_t end = lf == std::string_view::npos ? buffered.size() : lf;
        // Eight bytes at a time while none needs a closer look: a byte below 0x20 (a control
        // byte, but also a tab and the line's CR) or DEL sends the rest to the byte loop.
#if defined(__SSE2__)
        // Sixteen at a time first (a bearer token alone is some sixty bytes).
        while (end - pos_ >= 16) {
            const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buffered.data() + pos_));
            const __m128i below_space = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
            const __m128i del = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7f));
            if (_mm_movemask_epi8(_mm_or_si128(below_space, del)) != 0) break;
            pos_ += 16;
        }
#endif
        constexpr std::uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;
        while (end - pos_ >= 8) {
            std::uint64_t word;
            std::memcpy(&word, buffered.data() + pos_, sizeof word);
            const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHigh;
            const std::uint64_t del = word ^ (kOnes * 0x7f);
            if ((below_space | ((del - kOnes) & ~del & kHigh)) != 0) break;
            pos_ += 8;
        }
        for (; pos_ < end; ++pos_) {
            const auto c = static_cast<unsigned char>(buffered[pos_]);
            if (kLineByte[c]) continue;
            if (c != '\r') return {V::control_character};
            if (pos_ + 1 < end) return {V::bare_line_ending};  // a CR not before the LF
        }
        if (lf == std::string_view::npos) return {};
        if (lf == line_start_ || buffered[lf - 1] != '\r') return {V::bare_line_ending};
        const std::string_view line = buffered.substr(line_start_, lf - 1 - line_start_);
        pos_ = line_start_ = lf + 1;
        const bool request_line = lines_++ == 0;
        if (request_line) {
            if (auto violation = check_request_line(line)) return {violation};
        } else if (line.empty()) {
            return {std::nullopt, pos_};
        } else if (auto violation = check_field_line(line)) {
            return {violation};
        }
    }
    return {};
}

std::optional<FramingViolation> check_header(const http::request_header<>& head) {
    const FramingFields framing(head);
    if (auto violation = check_transfer_encoding(head, framing)) return violation;
    if (auto violation = check_content_length(framing)) return violation;
    return check_host(head, framing);
}

std::optional<FramingViolation> check_pending_chunk_bytes(std::string_view pending) {
    for (auto lf = pending.find('\n'); lf != std::string_view::npos;
         lf = pending.find('\n', lf + 1)) {
        if (lf == 0 || pending[lf - 1] != '\r') return V::bad_chunk;
    }
    return std::nullopt;
}

api::Error framing_error(FramingViolation violation) { return answer(violation).error; }

observability::ClientError client_error(FramingViolation violation) {
    return answer(violation).reason;
}

std::optional<FramingViolation> parser_violation(const beast::error_code& ec) {
    if (ec == http::error::bad_line_ending) return V::bare_line_ending;
    if (ec == http::error::bad_method || ec == http::error::bad_target ||
        ec == http::error::bad_version) {
        return V::bad_request_line;
    }
    if (ec == http::error::bad_field) return V::bad_field_name;
    if (ec == http::error::bad_value) return V::bad_field_value;
    if (ec == http::error::bad_obs_fold) return V::obs_fold;
    if (ec == http::error::bad_content_length || ec == http::error::multiple_content_length) {
        return V::bad_content_length;
    }
    if (ec == http::error::bad_transfer_encoding) return V::bad_transfer_encoding;
    if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension) return V::bad_chunk;
    return std::nullopt;
}

}  // namespace infergate::server
