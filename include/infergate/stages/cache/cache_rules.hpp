// When the response cache may answer or store a request: only answers that a repeat of the
// request would get again, and never against the client's wish.
#pragma once

#include <string_view>

#include "infergate/api/endpoint.hpp"
#include "infergate/stages/cache/cache_key.hpp"

namespace infergate::cache {

// The request header that opts a request in; the response carries the same name with
// "hit" or "miss".
inline constexpr std::string_view kCacheHeader = "x-infergate-cache";

enum class ClientDirective {
    none,    // no cache header: the request's own determinism decides
    force,   // x-infergate-cache: force (the client accepts a repeat of an earlier answer)
    bypass,  // Cache-Control: no-cache or no-store: neither read nor write the cache
};

// Reads the two headers (empty: absent). Cache-Control is a comma-separated list of
// directives, matched case-insensitively; "no-cache" and "no-store" win over "force".
ClientDirective client_directive(std::string_view cache_control,
                                 std::string_view x_infergate_cache) noexcept;

// Whether the answer may come from, and go to, the cache. Never for bypass or n != 1 (each
// choice is a separate sample). Otherwise: forced, or deterministic: temperature exactly 0
// (absent means 1, OpenAI's default), or an embeddings request (no sampling at all).
bool is_cacheable(ClientDirective directive, api::Endpoint endpoint,
                  const NormalizedBody& body) noexcept;

}  // namespace infergate::cache
