#include "infergate/stages/auth/api_key.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace infergate::auth {

config::Sha256 sha256_of(std::string_view text) noexcept {
    // Every authenticated request hashes its key. OpenSSL 3's one-shot SHA256() looks the
    // algorithm up and allocates a context each call; the algorithm is fetched once and each
    // thread reuses one context.
    static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    struct ContextDeleter {
        void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
    };
    thread_local const std::unique_ptr<EVP_MD_CTX, ContextDeleter> context(EVP_MD_CTX_new());
    config::Sha256 digest{};
    unsigned int size = 0;
    if (kSha256 == nullptr || !context || EVP_DigestInit_ex(context.get(), kSha256, nullptr) != 1 ||
        EVP_DigestUpdate(context.get(), text.data(), text.size()) != 1 ||
        EVP_DigestFinal_ex(context.get(), digest.data(), &size) != 1) {
        SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    }
    return digest;
}

std::string to_hex(const config::Sha256& digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(digest.size() * 2);
    for (const unsigned char byte : digest) {
        hex.push_back(kDigits[byte >> 4]);
        hex.push_back(kDigits[byte & 0xF]);
    }
    return hex;
}

std::string generate_key(std::string_view id) {
    // Base62 keeps the key one "word" (double-click selects it) and free of '-' (the separator).
    static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string key(kKeyPrefix);
    key.append(id).push_back('-');
    unsigned char random[43];  // 43 base62 digits > 256 bits
    if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("the system CSPRNG failed");
    for (const unsigned char byte : random) {
        // 248 = 4 * 62: rejection-free mapping would be biased; re-draw the rare high bytes.
        unsigned char value = byte;
        while (value >= 248) {
            if (RAND_bytes(&value, 1) != 1) throw std::runtime_error("the system CSPRNG failed");
        }
        key.push_back(kAlphabet[value % 62]);
    }
    return key;
}

}  // namespace infergate::auth
