#include "infergate/stages/cache/cache_stage.hpp"

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/cache/cache_fill.hpp"
#include "infergate/stages/cache/cache_rules.hpp"
#include "infergate/stages/cache/cache_store.hpp"
#include "infergate/stages/cache/sse_replay.hpp"
#include "infergate/stages/routing/route_table.hpp"

namespace infergate::cache {
namespace {

// The key's own section wins over its model's; null: caching is off for this request.
const config::CachePolicy* policy_of(const pipeline::RequestContext& ctx) {
    const config::ApiKey* key = ctx.principal.key;
    const config::CachePolicy* policy =
        key != nullptr && key->cache ? &*key->cache : ctx.route->settings->cache ? &*ctx.route->settings->cache : nullptr;
    return policy != nullptr && policy->enabled ? policy : nullptr;
}

// Only OpenAI-wire answers are stored and replayed; an endpoint whose answer is translated
// for its client would need a replay of its own.
bool openai_wire(api::Endpoint endpoint) {
    return endpoint == api::Endpoint::chat_completions || endpoint == api::Endpoint::completions ||
           endpoint == api::Endpoint::embeddings;
}

std::string_view header(const pipeline::RequestContext& ctx, std::string_view name) {
    const auto found = ctx.headers.find(name);
    return found == ctx.headers.end() ? std::string_view() : std::string_view(found->value());
}

std::string_view public_model(const pipeline::RequestContext& ctx) {
    return ctx.route->passthrough ? std::string_view(ctx.request.model) : std::string_view(ctx.route->model);
}

// Resolved per cacheable request only (Family::Add locks and hashes), which already pays
// for a JSON parse and a SHA-256; requests of uncached models never get here.
void count(const pipeline::RequestContext& ctx, std::string_view result) {
    ctx.snapshot.metrics.cache_requests
        .Add({{"model", std::string(public_model(ctx))}, {"result", std::string(result)}})
        .Increment();
}

}  // namespace

pipeline::Outcome CacheStage::on_request(pipeline::RequestContext& ctx) const {
    CacheStore* store = ctx.snapshot.response_cache.get();
    if (store == nullptr) return pipeline::Outcome::next();
    const config::CachePolicy* policy = policy_of(ctx);
    if (policy == nullptr || !openai_wire(ctx.endpoint)) return pipeline::Outcome::next();

    const ClientDirective directive =
        client_directive(header(ctx, "cache-control"), header(ctx, kCacheHeader));
    std::optional<NormalizedBody> body;
    if (directive != ClientDirective::bypass) body = normalize_body(ctx.body);
    if (!body || !is_cacheable(directive, ctx.endpoint, *body)) {
        count(ctx, "bypass");
        return pipeline::Outcome::next();
    }
    const KeyScope scope{.endpoint = ctx.endpoint,
                         .model = public_model(ctx),
                         .tenant = ctx.principal.tenant,
                         .key_id = ctx.principal.key_id,
                         .share_across_tenants = policy->share_across_tenants};
    const CacheKey key = cache_key(*body, scope);

    if (ResponseCache::EntryPtr entry = store->cache.lookup(key)) {
        std::optional<pipeline::Reply> reply;
        if (!ctx.request.stream) {
            // Shares the cached body: no copy, valid even if the entry is evicted meanwhile.
            reply.emplace(pipeline::Reply{.body = std::shared_ptr<const std::string>(entry, &entry->body)});
        } else if (auto replay = sse_replay(*entry, {.include_usage = ctx.request.include_usage})) {
            reply.emplace(pipeline::Reply{.body = std::make_shared<const std::string>(std::move(*replay)),
                                          .event_stream = true});
        }
        // A body that cannot be replayed as a stream (logprobs): served as a miss below.
        if (reply) {
            count(ctx, "hit");
            ctx.response_headers.append(kCacheHeader).append(": hit\r\n");
            ctx.reply = std::move(reply);
            return pipeline::Outcome::respond();
        }
    }
    count(ctx, "miss");
    ctx.response_headers.append(kCacheHeader).append(": miss\r\n");
    ctx.cache_fill = std::make_shared<Fill>(key, policy->ttl, store->cache.max_entry_bytes());
    return pipeline::Outcome::next();
}

void CacheStage::on_finish(pipeline::RequestContext& ctx, const pipeline::Completion& done) const noexcept {
    if (!ctx.cache_fill) return;
    // Only a complete 200 the client received whole: no error event, no cut stream.
    if (done.status != 200 || !done.code.empty() || done.client_disconnected) return;
    try {
        if (std::optional<Entry> entry = ctx.cache_fill->take_entry()) {
            ctx.snapshot.response_cache->cache.insert(ctx.cache_fill->key(), std::move(*entry),
                                                      ctx.cache_fill->ttl());
        }
    } catch (const std::exception&) {
        // Out of memory while storing: the answer was already sent; the cache just misses.
    }
}

}  // namespace infergate::cache
