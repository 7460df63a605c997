// The response cache's key: a SHA-256 of the request body in a canonical form, the endpoint,
// the model and the caller's scope, so that equal requests meet and nothing else does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "infergate/api/endpoint.hpp"

namespace infergate::cache {

struct CacheKey {
    std::array<std::uint8_t, 32> digest{};
    bool operator==(const CacheKey&) const = default;
};

// The digest is uniform, so any 8 of its bytes make a good hash.
struct CacheKeyHash {
    std::size_t operator()(const CacheKey& key) const noexcept {
        std::size_t h;
        std::memcpy(&h, key.digest.data(), sizeof h);
        return h;
    }
};

// Who may share an entry, and what besides the body changes the answer.
struct KeyScope {
    api::Endpoint endpoint = api::Endpoint::chat_completions;
    std::string_view model;             // the model the config resolves the request to
    std::string_view tenant;            // empty: the caller has none
    std::string_view key_id;            // the API key's config id; used when there is no tenant
    bool share_across_tenants = false;  // configured: one scope for every caller
    // Request headers forwarded upstream that change the answer (e.g. "openai-beta"), as
    // lowercase name and value; the caller lists them in a fixed order.
    std::span<const std::pair<std::string_view, std::string_view>> headers;
};

// The body as the cache compares it: parsed and re-serialised (object keys sorted, no
// whitespace) without the fields that change only the framing or bookkeeping of the answer
// (see kIgnoredFields). nullopt when the body is not one JSON object, or is not safe to
// compare this way (duplicate keys, integers beyond double precision, too deep).
struct NormalizedBody {
    std::string canonical;
    std::optional<double> temperature;  // absent or null: the upstream's default (1)
    std::int64_t choices = 1;           // n
};
std::optional<NormalizedBody> normalize_body(std::string_view openai_body);

// Top-level fields left out of the key: stream/stream_options (a streamed and a plain request
// get the same answer; the framing is rebuilt on replay), user/safety_identifier/metadata/store/
// service_tier/prompt_cache_key (attribution, storage, priority and upstream cache routing).
inline constexpr std::array<std::string_view, 8> kIgnoredFields = {
    "stream",   "stream_options", "user",         "safety_identifier",
    "metadata", "store",          "service_tier", "prompt_cache_key"};

CacheKey cache_key(const NormalizedBody& body, const KeyScope& scope);
// Both steps at once; nullopt when normalize_body() refuses the body.
std::optional<CacheKey> cache_key(std::string_view openai_body, const KeyScope& scope);

// 64 lowercase hex digits, for logs and tests.
std::string to_hex(const CacheKey& key);

}  // namespace infergate::cache
