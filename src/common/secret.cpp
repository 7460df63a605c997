#include "infergate/common/secret.hpp"

#include <openssl/sha.h>

#include <array>

namespace infergate {

std::string Secret::redacted() const {
    if (value_.empty()) return "<empty>";
    // Four hex digits of SHA-256: tells keys apart in logs, reveals nothing usable.
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(value_.data()), value_.size(), digest.data());
    return fmt::format("<redacted:{:02x}{:02x}>", digest[0], digest[1]);
}

}  // namespace infergate
