#include "infergate/json/scanner.hpp"

#include <algorithm>
#include <bit>
#include <bitset>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace infergate::json {
namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static_assert(std::endian::native == std::endian::little, "special_bytes() reads words little-endian");

// The high bit of each byte of `word` that a string's fast path must stop at: '"', '\\', a
// control character or a non-ASCII byte. Subtraction borrows can flag a byte above a flagged
// one (never below), so the lowest flag is exact; that is the only one read. Little-endian.
constexpr std::uint64_t special_bytes(std::uint64_t word) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    const auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x & high; };
    const std::uint64_t control = (word - 0x20 * ones) & ~word & high;
    return control | (word & high) | zero_byte(word ^ ('"' * ones)) | zero_byte(word ^ ('\\' * ones));
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// One pass over the bytes; every method returns false after recording the first error.
class Scanner {
public:
    Scanner(std::string_view text, std::size_t max_depth)
        : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()),
          max_depth_(std::min(max_depth, kMaxDepthLimit)) {}

    std::optional<ScanError> take_error() { return std::move(error_); }

    bool object_members(MemberSink sink) {
        skip_ws();
        if (p_ == end_ || *p_ != '{') return fail("expected a JSON object");
        if (max_depth_ < 1) return fail("nesting is deeper than the limit");
        ++p_;
        skip_ws();
        if (p_ < end_ && *p_ == '}') {
            ++p_;
            return finish();
        }
        for (;;) {
            Member member;
            skip_ws();
            const char* key_start = p_;
            if (!string(member.key_has_escapes)) return false;
            member.key = std::string_view(key_start + 1, p_ - key_start - 2);
            skip_ws();
            if (p_ == end_ || *p_ != ':') return fail("expected ':' after an object key");
            ++p_;
            skip_ws();
            const char* value_start = p_;
            if (!value(1, member.kind)) return false;
            member.value = std::string_view(value_start, p_ - value_start);
            sink(member);
            skip_ws();
            if (p_ == end_) return fail("unexpected end of input in an object");
            if (*p_ == ',') {
                ++p_;
                continue;
            }
            if (*p_ == '}') {
                ++p_;
                return finish();
            }
            return fail("expected ',' or '}' in an object");
        }
    }

    bool any_value() {
        skip_ws();
        Kind kind;
        return value(0, kind) && finish();
    }

private:
    bool finish() {
        skip_ws();
        if (p_ != end_) return fail("unexpected data after the JSON value");
        return true;
    }

    bool fail(const char* message) {
        if (!error_) error_ = ScanError{message, static_cast<std::size_t>(p_ - begin_)};
        return false;
    }

    void skip_ws() noexcept {
        while (p_ < end_ && is_ws(*p_)) ++p_;
    }

    // Parses one value that starts at p_ (whitespace skipped). `depth` is the nesting of the
    // enclosing containers. Containers are walked with an explicit stack, not recursion.
    bool value(std::size_t depth, Kind& kind) {
        if (p_ == end_) return fail("unexpected end of input, expected a value");
        const char c = *p_;
        if (c != '{' && c != '[') return scalar(kind);
        kind = c == '{' ? Kind::object : Kind::array;

        std::bitset<kMaxDepthLimit + 1> is_object;  // one bit per open container
        std::size_t open = 0;
        for (;;) {
            // At an opening bracket: push it.
            if (depth + open + 1 > max_depth_) return fail("nesting is deeper than the limit");
            const bool object = *p_ == '{';
            is_object[open++] = object;
            ++p_;
            skip_ws();
            if (p_ < end_ && *p_ == (object ? '}' : ']')) {
                ++p_;
                --open;
            } else if (!(object ? key_and_colon() : true)) {
                return false;
            } else {
                skip_ws();
                if (p_ < end_ && (*p_ == '{' || *p_ == '[')) continue;  // nested container
                Kind ignored;
                if (!scalar(ignored)) return false;
            }
            // After a complete value: close containers or move to the next element.
            for (;;) {
                if (open == 0) return true;
                skip_ws();
                if (p_ == end_) return fail("unexpected end of input in a container");
                const bool in_object = is_object[open - 1];
                if (*p_ == (in_object ? '}' : ']')) {
                    ++p_;
                    --open;
                    continue;
                }
                if (*p_ != ',') return fail(in_object ? "expected ',' or '}' in an object"
                                                      : "expected ',' or ']' in an array");
                ++p_;
                skip_ws();
                if (in_object && !key_and_colon()) return false;
                skip_ws();
                if (p_ < end_ && (*p_ == '{' || *p_ == '[')) break;  // open a nested container
                Kind ignored;
                if (!scalar(ignored)) return false;
            }
        }
    }

    bool key_and_colon() {
        bool escapes = false;
        if (!string(escapes)) return false;
        skip_ws();
        if (p_ == end_ || *p_ != ':') return fail("expected ':' after an object key");
        ++p_;
        skip_ws();
        return true;
    }

    bool scalar(Kind& kind) {
        if (p_ == end_) return fail("unexpected end of input, expected a value");
        switch (*p_) {
            case '"': {
                kind = Kind::string;
                bool escapes = false;
                return string(escapes);
            }
            case 't': kind = Kind::boolean; return literal("true");
            case 'f': kind = Kind::boolean; return literal("false");
            case 'n': kind = Kind::null; return literal("null");
            default: kind = Kind::number; return number();
        }
    }

    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(p_, word.size()) != word) {
            return fail("invalid literal");
        }
        p_ += word.size();
        return true;
    }

    bool digits() {
        const char* start = p_;
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        return p_ != start;
    }

    bool number() {
        if (p_ < end_ && *p_ == '-') ++p_;
        if (p_ == end_) return fail("invalid number");
        if (*p_ == '0') {
            ++p_;
        } else if (!digits()) {
            return fail("invalid value");
        }
        if (p_ < end_ && *p_ == '.') {
            ++p_;
            if (!digits()) return fail("invalid number: digits expected after '.'");
        }
        if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
            ++p_;
            if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (!digits()) return fail("invalid number: digits expected in the exponent");
        }
        return true;
    }

    bool unicode_escape(unsigned& code) {
        if (end_ - p_ < 4) return fail("truncated \\u escape");
        code = 0;
        for (int i = 0; i < 4; ++i) {
            const int v = hex_value(p_[i]);
            if (v < 0) return fail("invalid \\u escape");
            code = code * 16 + static_cast<unsigned>(v);
        }
        p_ += 4;
        return true;
    }

    // Validates one multi-byte UTF-8 sequence starting at p_ (RFC 3629: no overlongs, no
    // surrogates, nothing above U+10FFFF).
    bool utf8_sequence() {
        const auto b0 = static_cast<unsigned char>(*p_);
        int length;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            if (b0 == 0xE0) lo = 0xA0;
            if (b0 == 0xED) hi = 0x9F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            if (b0 == 0xF0) lo = 0x90;
            if (b0 == 0xF4) hi = 0x8F;
        } else {
            return fail("invalid UTF-8 in a string");
        }
        if (end_ - p_ < length) return fail("invalid UTF-8 in a string");
        const auto b1 = static_cast<unsigned char>(p_[1]);
        if (b1 < lo || b1 > hi) return fail("invalid UTF-8 in a string");
        for (int i = 2; i < length; ++i) {
            const auto b = static_cast<unsigned char>(p_[i]);
            if (b < 0x80 || b > 0xBF) return fail("invalid UTF-8 in a string");
        }
        p_ += length;
        return true;
    }

    bool string(bool& has_escapes) {
        if (p_ == end_ || *p_ != '"') return fail("expected a string");
        ++p_;
        for (;;) {
            // Fast path: plain printable ASCII, eight bytes at a time while they last.
            while (end_ - p_ >= 8) {
                std::uint64_t word;
                std::memcpy(&word, p_, 8);
                const std::uint64_t special = special_bytes(word);
                if (special != 0) {
                    p_ += std::countr_zero(special) / 8;
                    break;
                }
                p_ += 8;
            }
            while (p_ < end_) {
                const auto c = static_cast<unsigned char>(*p_);
                if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
                ++p_;
            }
            if (p_ == end_) return fail("unterminated string");
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c < 0x20) return fail("control character in a string");
            if (c >= 0x80) {
                if (!utf8_sequence()) return false;
                continue;
            }
            // Backslash escape.
            has_escapes = true;
            ++p_;
            if (p_ == end_) return fail("unterminated string");
            const char e = *p_++;
            switch (e) {
                case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                    break;
                case 'u': {
                    unsigned code;
                    if (!unicode_escape(code)) return false;
                    if (code >= 0xDC00 && code <= 0xDFFF) return fail("lone surrogate in \\u escape");
                    if (code >= 0xD800 && code <= 0xDBFF) {
                        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
                            return fail("lone surrogate in \\u escape");
                        }
                        p_ += 2;
                        unsigned low;
                        if (!unicode_escape(low)) return false;
                        if (low < 0xDC00 || low > 0xDFFF) return fail("lone surrogate in \\u escape");
                    }
                    break;
                }
                default:
                    --p_;
                    return fail("invalid escape in a string");
            }
        }
    }

    const char* begin_;
    const char* p_;
    const char* end_;
    std::size_t max_depth_;
    std::optional<ScanError> error_;
};

void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
        out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
}

std::string decode_raw(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
            out.push_back(raw[i]);
            continue;
        }
        const char e = raw[++i];
        switch (e) {
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                auto read4 = [&](std::size_t at) {
                    unsigned v = 0;
                    for (std::size_t k = 0; k < 4; ++k) v = v * 16 + hex_value(raw[at + k]);
                    return v;
                };
                unsigned code = read4(i + 1);
                i += 4;
                if (code >= 0xD800 && code <= 0xDBFF) {  // validated: a low surrogate follows
                    const unsigned low = read4(i + 3);
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                }
                append_utf8(out, code);
                break;
            }
            default: out.push_back(e); break;  // '"', '\\', '/'
        }
    }
    return out;
}

}  // namespace

std::optional<ScanError> scan_object(std::string_view text, std::size_t max_depth,
                                     MemberSink sink) {
    Scanner scanner(text, max_depth);
    if (scanner.object_members(sink)) return std::nullopt;
    return scanner.take_error();
}

std::optional<ScanError> validate(std::string_view text, std::size_t max_depth) {
    Scanner scanner(text, max_depth);
    if (scanner.any_value()) return std::nullopt;
    return scanner.take_error();
}

std::string decode_string(std::string_view token) {
    if (token.size() < 2) return {};
    return decode_raw(token.substr(1, token.size() - 2));
}

std::string decode_key(const Member& member) {
    return member.key_has_escapes ? decode_raw(member.key) : std::string(member.key);
}

std::optional<std::int64_t> parse_integer(std::string_view token) {
    std::int64_t value = 0;
    const char* first = token.data();
    const char* last = token.data() + token.size();
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last) return std::nullopt;
    return value;
}

void append_quoted(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 0xF]);
                } else {
                    out.push_back(ch);
                }
        }
    }
    out.push_back('"');
}

}  // namespace infergate::json
