// The schema of the response cache's settings: server.cache, and models[].cache /
// auth.keys[].cache.
#pragma once

#include "infergate/config/config.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

void read_cache_storage(const Context& ctx, const Field& field, CacheStorage& storage);
// `config.server` is already read: an enabled policy without a store is reported here.
void read_cache_policy(const Context& ctx, const Field& field, const Config& config, CachePolicy& policy);

}  // namespace infergate::config
