#include "infergate/stages/auth/api_key.hpp"

#include <stdexcept>

#include <openssl/rand.h>
#include <openssl/sha.h>

namespace infergate::auth {

config::Sha256 sha256_of(std::string_view text) noexcept {
    // Every authenticated request hashes its key. OpenSSL 3's EVP interface costs about twice
    // the hash of a key-sized input (provider dispatch, a context reset per use); the direct
    // SHA-256 functions, deprecated in 3.0 but still built, need neither (~95 against ~175 ns).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, text.data(), text.size());
    config::Sha256 digest{};
    SHA256_Final(digest.data(), &context);
#pragma GCC diagnostic pop
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
