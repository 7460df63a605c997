// The configured API keys, looked up by the SHA-256 of the presented key: the presented bytes
// are only ever hashed, so the lookup's timing says nothing about how close a guess was, and
// the final comparison of digests is constant-time (CRYPTO_memcmp).
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "infergate/config/config.hpp"

namespace infergate::auth {

class KeyRegistry {
public:
    KeyRegistry() = default;
    explicit KeyRegistry(const config::Config& config);

    // The key whose SHA-256 is that of `presented`, or null.
    const config::ApiKey* find(std::string_view presented) const noexcept;
    const config::Tenant* tenant(std::string_view name) const noexcept;

private:
    const config::Config* config_ = nullptr;
    // Bucketed by the digest's first 8 bytes; each bucket is compared in full, in constant time.
    std::unordered_multimap<std::uint64_t, const config::ApiKey*> by_prefix_;
};

}  // namespace infergate::auth
