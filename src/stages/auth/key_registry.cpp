#include "infergate/stages/auth/key_registry.hpp"

#include <cstring>

#include <openssl/crypto.h>

#include "infergate/stages/auth/api_key.hpp"

namespace infergate::auth {
namespace {

std::uint64_t prefix_of(const config::Sha256& digest) noexcept {
    std::uint64_t prefix;
    std::memcpy(&prefix, digest.data(), sizeof prefix);
    return prefix;
}

}  // namespace

KeyRegistry::KeyRegistry(const config::Config& config) : config_(&config) {
    for (const config::ApiKey& key : config.auth.keys) by_prefix_.emplace(prefix_of(key.sha256), &key);
}

const config::ApiKey* KeyRegistry::find(std::string_view presented) const noexcept {
    const config::Sha256 digest = sha256_of(presented);
    const auto [first, last] = by_prefix_.equal_range(prefix_of(digest));
    for (auto it = first; it != last; ++it) {
        if (CRYPTO_memcmp(it->second->sha256.data(), digest.data(), digest.size()) == 0) return it->second;
    }
    return nullptr;
}

const config::Tenant* KeyRegistry::tenant(std::string_view name) const noexcept {
    if (config_ == nullptr || name.empty()) return nullptr;
    const auto found = config_->tenants.find(name);
    return found == config_->tenants.end() ? nullptr : &found->second;
}

}  // namespace infergate::auth
