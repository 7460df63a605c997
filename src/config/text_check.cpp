#include "text_check.hpp"

namespace infergate::config {

namespace {

// Length of the UTF-8 sequence starting at `at`, or 0 when it is malformed, overlong,
// a surrogate or beyond U+10FFFF.
std::size_t utf8_length(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    std::size_t length = 0;
    unsigned min_second = 0x80, max_second = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) min_second = 0xA0;  // overlong
        if (lead == 0xED) max_second = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) min_second = 0x90;  // overlong
        if (lead == 0xF4) max_second = 0x8F;  // > U+10FFFF
    } else {
        return 0;
    }
    if (at + length > text.size()) return 0;
    if (byte(at + 1) < min_second || byte(at + 1) > max_second) return 0;
    for (std::size_t i = 2; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80) return 0;
    }
    return length;
}

}  // namespace

Location find_non_text(std::string_view text, unsigned char& bad) {
    int line = 1;
    int column = 1;  // in bytes, like yaml-cpp's marks
    std::size_t at = 0;
    while (at < text.size()) {
        const auto c = static_cast<unsigned char>(text[at]);
        std::size_t length = 1;
        if (c >= 0x80) {
            length = utf8_length(text, at);
        } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
            length = 0;
        }
        if (length == 0) {
            bad = c;
            return {line, column};
        }
        if (c == '\n') {
            ++line;
            column = 1;
        } else {
            column += static_cast<int>(length);
        }
        at += length;
    }
    return {};
}

}  // namespace infergate::config
