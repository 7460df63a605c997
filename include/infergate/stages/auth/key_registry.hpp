// The configured API keys, looked up by the SHA-256 of the presented key: the presented bytes
// are only ever hashed, so the lookup's timing says nothing about how close a guess was, and
// the final comparison of digests is constant-time (CRYPTO_memcmp).
// Each key and tenant is resolved once per snapshot to what a request's stages need (its
// quota-store state, its metric children), so no request looks those up by name.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "infergate/config/config.hpp"
#include "infergate/tls/peer_certificate.hpp"

namespace infergate::observability {
struct KeyMetrics;
}

namespace infergate::auth {

// A key or tenant as the quota store knows it.
struct QuotaScope {
    std::string id;               // "key:<id>" / "tenant:<name>": the store's name for it
    std::shared_ptr<void> state;  // the store's own handle (QuotaStore::resolve); may be null
};

struct RegisteredTenant {
    const config::Tenant* config = nullptr;
    QuotaScope quota;
};

struct RegisteredKey {
    const config::ApiKey* config = nullptr;
    const RegisteredTenant* tenant = nullptr;     // null: none
    QuotaScope quota;
    observability::KeyMetrics* metrics = nullptr;  // set by bind()
};

class KeyRegistry {
public:
    KeyRegistry() = default;
    explicit KeyRegistry(const config::Config& config);
    // Entries point at each other: never copied or moved once built.
    KeyRegistry(const KeyRegistry&) = delete;
    KeyRegistry& operator=(const KeyRegistry&) = delete;

    // The key whose SHA-256 is that of `presented`, or null.
    const RegisteredKey* find(std::string_view presented) const noexcept;
    const RegisteredTenant* tenant(std::string_view name) const noexcept;
    // The auth.client_certificates identity a verified certificate maps to, or null: its
    // subject CN first, then its DNS, URI and email subjectAltNames, in that order.
    const RegisteredKey* find(const tls::PeerCertificate& certificate) const;

    // Attaches every key and tenant to its quota-store state and every key to its metric
    // children; called once while the snapshot is built, before any request sees it.
    using QuotaStateOf = std::function<std::shared_ptr<void>(std::string_view scope)>;
    using MetricsOf = std::function<observability::KeyMetrics*(std::string_view key, std::string_view tenant)>;
    void bind(const QuotaStateOf& quota_state_of, const MetricsOf& metrics_of);

private:
    // API keys then certificate identities, in config order; never resized after construction.
    std::vector<RegisteredKey> keys_;
    std::map<std::string, RegisteredTenant, std::less<>> tenants_;
    // Bucketed by the digest's first 8 bytes; each bucket is compared in full, in constant time.
    std::unordered_multimap<std::uint64_t, const RegisteredKey*> by_prefix_;
    // Certificate identities by match kind (config::CertificateMatch::Kind), then value (DNS
    // names in lower case).
    std::array<std::map<std::string, const RegisteredKey*, std::less<>>, 4> by_certificate_;
};

}  // namespace infergate::auth
