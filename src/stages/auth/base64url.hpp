// base64url without padding (RFC 7515 §2), the encoding of every JWS segment.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace infergate::auth {

// A-Z a-z 0-9 '-' '_': the alphabet, so callers can check a token's shape without decoding it.
bool is_base64url_char(char c) noexcept;

// Strict decoding: nullopt on padding, a character outside the alphabet, an impossible length
// or non-zero unused trailing bits. Strictness gives every byte string one encoding only, so a
// token cannot be re-spelt (e.g. its signature segment) and still verify.
std::optional<std::string> base64url_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);

}  // namespace infergate::auth
