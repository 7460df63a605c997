// Who is calling: an API key (with its tenant), a JWT bearer token from a trusted issuer (with
// the tenant and models its claims name), or nobody (auth is off).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "infergate/config/access.hpp"

namespace infergate::observability {
struct KeyMetrics;
}

namespace infergate::auth {

struct QuotaScope;

struct Principal {
    bool anonymous = true;
    // The key's config id, or "jwt:<issuer name>" for a token (never its subject: this is a
    // log field and a metric label, and must stay bounded); empty: anonymous. Both views point
    // into the pinned snapshot (or at literals), so making a Principal copies no string.
    std::string_view key_id;
    std::string_view tenant;                  // a tenant declared in the config; empty: none
    const config::ApiKey* key = nullptr;      // both point into the pinned snapshot
    const config::Tenant* tenant_config = nullptr;
    // Resolved when the snapshot was built (see KeyRegistry), so that later stages look
    // nothing up by name: the quota scopes (null: none) and the caller's metric children.
    const QuotaScope* key_quota = nullptr;
    const QuotaScope* tenant_quota = nullptr;
    observability::KeyMetrics* metrics = nullptr;
    bool has_jwt_models = false;              // the token listed the models it may use
    std::vector<std::string> jwt_models;

    // The key's model list if it has one; otherwise the token's (if any) and the tenant's (if
    // any) must both allow the model: a claim narrows what the operator allowed, never widens.
    bool may_use(std::string_view model) const;
};

// Shell-style globs ("gpt-4o*", "llama-?-8b"); a name without wildcards matches itself.
bool matches_any(const std::vector<std::string>& patterns, std::string_view model);

}  // namespace infergate::auth
