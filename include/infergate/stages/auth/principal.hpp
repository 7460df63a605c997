// Who is calling: an API key (with its tenant), a JWT subject, or nobody (auth is off).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "infergate/config/access.hpp"

namespace infergate::auth {

struct Principal {
    bool anonymous = true;
    std::string key_id;                       // config id of the key; empty for JWT and anonymous
    std::string tenant;                       // empty: none
    const config::ApiKey* key = nullptr;      // both point into the pinned snapshot
    const config::Tenant* tenant_config = nullptr;
    bool has_jwt_models = false;              // the token listed the models it may use
    std::vector<std::string> jwt_models;

    // The model list that applies (key's, else token's, else tenant's; none: every model).
    bool may_use(std::string_view model) const;
};

// Shell-style globs ("gpt-4o*", "llama-?-8b"); a name without wildcards matches itself.
bool matches_any(const std::vector<std::string>& patterns, std::string_view model);

}  // namespace infergate::auth
