// The schema of the access-control sections: auth (keys, JWT issuers), tenants,
// quota settings, and the per-model prices and token weights.
#pragma once

#include "infergate/config/config.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

// Read after models and tenants: keys name both, and unknown names are reported here.
void read_auth(const Context& ctx, const Field& field, Config& config);
void read_tenants(const Context& ctx, const Field& field, Config& config);
void read_admin(const Context& ctx, const Field& field, Config& config);
// One auth.keys entry (also a runtime keys file entry), checked against the config's tenants
// and models; duplicates are the caller's to find.
void read_key(const Context& ctx, const Field& field, const Config& config, ApiKey& key);
void read_quota(const Context& ctx, const Field& field, QuotaSettings& quota);
void read_pricing(const Context& ctx, const Field& field, Pricing& pricing);
void read_token_weights(const Context& ctx, const Field& field, TokenWeights& weights);

}  // namespace infergate::config
