#include "stages/auth/base64url.hpp"

#include <array>
#include <cstdint>

namespace infergate::auth {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t invalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
    std::array<std::uint8_t, 256> table{};
    table.fill(invalid);
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return table;
}
constexpr auto decode_table = make_decode_table();

}  // namespace

bool is_base64url_char(char c) noexcept {
    return decode_table[static_cast<unsigned char>(c)] != invalid;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    // A lone trailing character would carry 6 bits: less than one byte.
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (const char c : text) {
        const std::uint8_t value = decode_table[static_cast<unsigned char>(c)];
        if (value == invalid) return std::nullopt;
        bits = (bits << 6) | value;
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            out.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
        }
    }
    // The 2 or 4 bits left over are padding and must be zero (canonical encoding).
    if ((bits & ((1U << bit_count) - 1)) != 0) return std::nullopt;
    return out;
}

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (const char c : bytes) {
        bits = (bits << 8) | static_cast<unsigned char>(c);
        bit_count += 8;
        while (bit_count >= 6) {
            bit_count -= 6;
            out.push_back(alphabet[(bits >> bit_count) & 0x3F]);
        }
    }
    if (bit_count > 0) out.push_back(alphabet[(bits << (6 - bit_count)) & 0x3F]);
    return out;
}

}  // namespace infergate::auth
