#include "cache_section.hpp"

#include "scalars.hpp"

namespace infergate::config {

void read_cache_storage(const Context& ctx, const Field& field, CacheStorage& storage) {
    MapReader map{ctx, field};
    size_into(ctx, map, "max_bytes", storage.max_bytes);
    if (const auto entry = map.take("max_entry_bytes")) {
        if (const auto value = read_size(ctx, *entry)) {
            storage.max_entry_bytes = *value;
            // Checked here, where the operator can see both numbers.
            if (*value > storage.max_bytes) {
                ctx.error(entry->value_at(), entry->path, "must not exceed max_bytes");
            }
        }
    }
    map.reject_unknown();
}

void read_cache_policy(const Context& ctx, const Field& field, const Config& config, CachePolicy& policy) {
    MapReader map{ctx, field};
    if (const auto enabled = map.take("enabled")) {
        if (const auto value = read_bool(ctx, *enabled)) {
            policy.enabled = *value;
            // Silently uncached would look like a cache that never hits.
            if (*value && !config.server.cache) {
                ctx.error(enabled->value_at(), enabled->path, "the response cache needs server.cache");
            }
        }
    }
    duration_into(ctx, map, "ttl", policy.ttl);
    if (const auto share = map.take("share_across_tenants")) {
        if (const auto value = read_bool(ctx, *share)) policy.share_across_tenants = *value;
    }
    map.reject_unknown();
}

}  // namespace infergate::config
