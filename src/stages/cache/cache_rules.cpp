#include "infergate/stages/cache/cache_rules.hpp"

#include <algorithm>
#include <cctype>

namespace infergate::cache {
namespace {

bool equals_lower(std::string_view text, std::string_view lower) noexcept {
    return std::equal(text.begin(), text.end(), lower.begin(), lower.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
    });
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

bool forbids_cache(std::string_view cache_control) noexcept {
    while (!cache_control.empty()) {
        const std::size_t comma = cache_control.find(',');
        std::string_view directive = cache_control.substr(0, comma);
        // "no-cache=field" (a response form) still names no-cache: treat it the same.
        directive = trim(directive.substr(0, directive.find('=')));
        if (equals_lower(directive, "no-cache") || equals_lower(directive, "no-store")) return true;
        if (comma == std::string_view::npos) break;
        cache_control.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

ClientDirective client_directive(std::string_view cache_control,
                                 std::string_view x_infergate_cache) noexcept {
    if (forbids_cache(cache_control)) return ClientDirective::bypass;
    if (equals_lower(trim(x_infergate_cache), "force")) return ClientDirective::force;
    return ClientDirective::none;
}

bool is_cacheable(ClientDirective directive, api::Endpoint endpoint,
                  const NormalizedBody& body) noexcept {
    if (directive == ClientDirective::bypass || body.choices != 1) return false;
    if (directive == ClientDirective::force) return true;
    switch (endpoint) {
        case api::Endpoint::embeddings:
            return true;
        case api::Endpoint::chat_completions:
        case api::Endpoint::completions:
            return body.temperature == 0.0;
        default:
            return false;
    }
}

}  // namespace infergate::cache
