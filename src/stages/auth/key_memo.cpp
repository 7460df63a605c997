#include "infergate/stages/auth/key_memo.hpp"

#include <cstring>

#include <openssl/crypto.h>

namespace infergate::auth {
namespace {

// Constant-time equality of two runs of `size` bytes, eight at a time: CRYPTO_memcmp goes
// byte by byte, and this runs on every request of a keep-alive connection.
bool same_bytes(const char* a, const char* b, std::size_t size) noexcept {
    std::uint64_t diff = 0;
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        diff |= x ^ y;
    }
    for (; i < size; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

const RegisteredKey* KeyMemo::recall(std::uint64_t generation, std::string_view presented) const noexcept {
    if (generation_ == 0 || generation != generation_ || presented.size() != presented_.size()) return nullptr;
    // Constant-time like the digest comparison it replaces.
    return same_bytes(presented.data(), presented_.data(), presented.size()) ? key_ : nullptr;
}

void KeyMemo::remember(std::uint64_t generation, std::string_view presented, const RegisteredKey* key) {
    forget();
    presented_.assign(presented);
    generation_ = generation;
    key_ = key;
}

void KeyMemo::forget() noexcept {
    if (!presented_.empty()) OPENSSL_cleanse(presented_.data(), presented_.size());
    presented_.clear();
    generation_ = 0;
    key_ = nullptr;
}

}  // namespace infergate::auth
