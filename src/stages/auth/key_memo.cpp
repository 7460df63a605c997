#include "infergate/stages/auth/key_memo.hpp"

#include <openssl/crypto.h>

namespace infergate::auth {

const RegisteredKey* KeyMemo::recall(std::uint64_t generation, std::string_view presented) const noexcept {
    if (generation_ == 0 || generation != generation_ || presented.size() != presented_.size()) return nullptr;
    // Constant-time like the digest comparison it replaces.
    return CRYPTO_memcmp(presented.data(), presented_.data(), presented.size()) == 0 ? key_ : nullptr;
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
