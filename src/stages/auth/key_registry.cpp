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

KeyRegistry::KeyRegistry(const config::Config& config) {
    for (const auto& [name, tenant] : config.tenants) {
        tenants_.emplace(name, RegisteredTenant{&tenant, {"tenant:" + name, nullptr}});
    }
    keys_.reserve(config.auth.keys.size());
    for (const config::ApiKey& key : config.auth.keys) {
        keys_.push_back(RegisteredKey{&key, tenant(key.tenant), {"key:" + key.id, nullptr}, nullptr});
    }
    for (const RegisteredKey& key : keys_) by_prefix_.emplace(prefix_of(key.config->sha256), &key);
}

const RegisteredKey* KeyRegistry::find(std::string_view presented) const noexcept {
    const config::Sha256 digest = sha256_of(presented);
    const auto [first, last] = by_prefix_.equal_range(prefix_of(digest));
    for (auto it = first; it != last; ++it) {
        if (CRYPTO_memcmp(it->second->config->sha256.data(), digest.data(), digest.size()) == 0) {
            return it->second;
        }
    }
    return nullptr;
}

const RegisteredTenant* KeyRegistry::tenant(std::string_view name) const noexcept {
    if (name.empty()) return nullptr;
    const auto found = tenants_.find(name);
    return found == tenants_.end() ? nullptr : &found->second;
}

void KeyRegistry::bind(const QuotaStateOf& quota_state_of, const MetricsOf& metrics_of) {
    for (auto& [name, tenant] : tenants_) tenant.quota.state = quota_state_of(tenant.quota.id);
    for (RegisteredKey& key : keys_) {
        key.quota.state = quota_state_of(key.quota.id);
        key.metrics = metrics_of(key.config->id, key.config->tenant);
    }
}

}  // namespace infergate::auth
