#include "infergate/stages/cache/cache_key.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <openssl/evp.h>
#include <nlohmann/json.hpp>

#include "infergate/api/openai_request.hpp"

namespace infergate::cache {
namespace {

using nlohmann::json;

// Doubles this large may be integer literals past uint64 that the parser rounded: two
// different seeds could then share a key while the upstream (exact integers) tells them apart.
constexpr double kLargestExactFloat = 9.2e18;

// Counts the members the DOM kept and checks its numbers. Iterative: depth is client-chosen.
bool walk(const json& root, std::size_t& members) {
    std::vector<const json*> pending{&root};
    while (!pending.empty()) {
        const json* node = pending.back();
        pending.pop_back();
        if (node->is_number_float()) {
            const double value = node->get<double>();
            if (!std::isfinite(value) || std::fabs(value) >= kLargestExactFloat) return false;
        } else if (node->is_object()) {
            members += node->size();
            for (const auto& [key, value] : node->items()) pending.push_back(&value);
        } else if (node->is_array()) {
            for (const json& value : *node) pending.push_back(&value);
        }
    }
    return true;
}

struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// Each part is length-prefixed, so no two different sequences of parts hash the same bytes.
void feed(EVP_MD_CTX* ctx, std::string_view part) {
    std::uint64_t size = part.size();
    std::array<std::uint8_t, 8> prefix{};
    for (std::uint8_t& byte : prefix) {
        byte = static_cast<std::uint8_t>(size & 0xff);
        size >>= 8;
    }
    EVP_DigestUpdate(ctx, prefix.data(), prefix.size());
    EVP_DigestUpdate(ctx, part.data(), part.size());
}

}  // namespace

std::optional<NormalizedBody> normalize_body(std::string_view openai_body) {
    // Duplicate keys: the gateway refuses them at the top level; inside, the upstream's parser
    // decides which one wins. Counting keys as parsed against members kept finds them, and a
    // body whose meaning is unclear is simply not cached.
    std::size_t keys_parsed = 0;
    bool too_deep = false;
    json::parser_callback_t count = [&](int depth, json::parse_event_t event, json&) {
        if (event == json::parse_event_t::key) ++keys_parsed;
        if (static_cast<std::size_t>(depth) > api::kMaxJsonDepth) too_deep = true;
        return true;
    };
    json doc = json::parse(openai_body, count, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object() || too_deep) return std::nullopt;
    std::size_t members = 0;
    if (!walk(doc, members) || members != keys_parsed) return std::nullopt;

    NormalizedBody out;
    for (std::string_view field : kIgnoredFields) doc.erase(std::string(field));
    if (auto it = doc.find("temperature"); it != doc.end() && it->is_number()) {
        out.temperature = it->get<double>();
    }
    if (auto it = doc.find("n"); it != doc.end() && !it->is_null()) {
        // Anything but an integer is the upstream's to refuse; -1 keeps it out of the cache.
        out.choices = it->is_number_integer() ? it->get<std::int64_t>() : -1;
    }
    out.canonical = doc.dump(-1, ' ', false, json::error_handler_t::replace);
    return out;
}

CacheKey cache_key(const NormalizedBody& body, const KeyScope& scope) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    feed(ctx.get(), "infergate.response_cache.v1");  // bump when the canonical form changes
    feed(ctx.get(), api::name(scope.endpoint));
    // The kind is hashed with the id: a tenant and a key that share a name stay apart.
    if (scope.share_across_tenants) {
        feed(ctx.get(), "shared");
        feed(ctx.get(), "");
    } else if (!scope.tenant.empty()) {
        feed(ctx.get(), "tenant");
        feed(ctx.get(), scope.tenant);
    } else {
        feed(ctx.get(), "key");
        feed(ctx.get(), scope.key_id);  // empty when auth is off: one scope for all
    }
    feed(ctx.get(), scope.model);
    feed(ctx.get(), std::to_string(scope.headers.size()));
    for (const auto& [name, value] : scope.headers) {
        feed(ctx.get(), name);
        feed(ctx.get(), value);
    }
    feed(ctx.get(), body.canonical);
    CacheKey key;
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx.get(), key.digest.data(), &size);
    return key;
}

std::optional<CacheKey> cache_key(std::string_view openai_body, const KeyScope& scope) {
    auto body = normalize_body(openai_body);
    if (!body) return std::nullopt;
    return cache_key(*body, scope);
}

std::string to_hex(const CacheKey& key) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out;
    out.reserve(key.digest.size() * 2);
    for (std::uint8_t byte : key.digest) {
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0xf]);
    }
    return out;
}

}  // namespace infergate::cache
