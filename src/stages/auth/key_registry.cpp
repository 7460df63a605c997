#include "infergate/stages/auth/key_registry.hpp"

#include <cctype>
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

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

KeyRegistry::KeyRegistry(const config::Config& config) {
    for (const auto& [name, tenant] : config.tenants) {
        tenants_.emplace(name, RegisteredTenant{&tenant, {"tenant:" + name, nullptr}});
    }
    keys_.reserve(config.auth.keys.size() + config.auth.client_certificates.size());
    config.auth.for_each_identity([this](const config::ApiKey& key) {
        keys_.push_back(RegisteredKey{&key, tenant(key.tenant), {"key:" + key.id, nullptr}, nullptr});
    });
    const std::size_t api_keys = config.auth.keys.size();
    for (std::size_t i = 0; i < api_keys; ++i) by_prefix_.emplace(prefix_of(keys_[i].config->sha256), &keys_[i]);
    for (std::size_t i = 0; i < config.auth.client_certificates.size(); ++i) {
        const config::CertificateMatch& match = config.auth.client_certificates[i].match;
        const bool dns = match.kind == config::CertificateMatch::Kind::dns;
        by_certificate_[static_cast<std::size_t>(match.kind)].emplace(dns ? lower(match.value) : match.value,
                                                                      &keys_[api_keys + i]);
    }
}

const RegisteredKey* KeyRegistry::find(const tls::PeerCertificate& certificate) const {
    using Kind = config::CertificateMatch::Kind;
    auto lookup = [this](Kind kind, const std::string& value) -> const RegisteredKey* {
        const auto& names = by_certificate_[static_cast<std::size_t>(kind)];
        const auto found = names.find(value);
        return found == names.end() ? nullptr : found->second;
    };
    if (!certificate.common_name.empty()) {
        if (const RegisteredKey* key = lookup(Kind::common_name, certificate.common_name)) return key;
    }
    for (const std::string& name : certificate.dns_names) {
        if (const RegisteredKey* key = lookup(Kind::dns, lower(name))) return key;
    }
    for (const std::string& uri : certificate.uris) {
        if (const RegisteredKey* key = lookup(Kind::uri, uri)) return key;
    }
    for (const std::string& email : certificate.emails) {
        if (const RegisteredKey* key = lookup(Kind::email, email)) return key;
    }
    return nullptr;
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
