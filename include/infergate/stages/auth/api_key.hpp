// Infergate API keys: "sk-ig-<public id>-<secret>". The config holds only their SHA-256; the
// id part is safe to show and names the key in logs and metrics.
#pragma once

#include <string>
#include <string_view>

#include "infergate/config/access.hpp"

namespace infergate::auth {

inline constexpr std::string_view kKeyPrefix = "sk-ig-";

config::Sha256 sha256_of(std::string_view text) noexcept;
std::string to_hex(const config::Sha256& digest);
// A new key with 256 random bits from OpenSSL's CSPRNG. Throws if the CSPRNG fails.
std::string generate_key(std::string_view id);

}  // namespace infergate::auth
