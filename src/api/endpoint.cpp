#include "infergate/api/endpoint.hpp"

namespace infergate::api {

Endpoint classify(std::string_view target) noexcept {
    const auto query = target.find('?');
    const std::string_view path = target.substr(0, query);
    // Exact matches only: "/v1/../metrics" or "//v1/models" are unknown paths, never aliases.
    if (path == "/v1/chat/completions") return Endpoint::chat_completions;
    if (path == "/v1/completions") return Endpoint::completions;
    if (path == "/v1/embeddings") return Endpoint::embeddings;
    if (path == "/v1/messages") return Endpoint::messages;
    if (path == "/v1/messages/count_tokens") return Endpoint::messages_count_tokens;
    if (path == "/v1/models") return Endpoint::models;
    if (path == "/v1/usage") return Endpoint::usage;
    if (path == "/admin/usage") return Endpoint::admin_usage;
    if (path == "/admin/targets") return Endpoint::admin_targets;
    if (path == "/admin/reload") return Endpoint::admin_reload;
    if (path == "/healthz") return Endpoint::healthz;
    if (path == "/readyz") return Endpoint::readyz;
    if (path == "/metrics") return Endpoint::metrics;
    return Endpoint::unknown;
}

bool is_proxied(Endpoint endpoint) noexcept {
    return endpoint == Endpoint::chat_completions || endpoint == Endpoint::completions ||
           endpoint == Endpoint::embeddings || endpoint == Endpoint::messages ||
           endpoint == Endpoint::messages_count_tokens;
}

bool expects_post(Endpoint endpoint) noexcept { return is_proxied(endpoint) || endpoint == Endpoint::admin_reload; }

std::string_view upstream_path(Endpoint endpoint) noexcept {
    switch (endpoint) {
        case Endpoint::chat_completions: return "/v1/chat/completions";
        case Endpoint::completions: return "/v1/completions";
        case Endpoint::embeddings: return "/v1/embeddings";
        case Endpoint::messages: return "/v1/messages";
        case Endpoint::messages_count_tokens: return "/v1/messages/count_tokens";
        case Endpoint::models: return "/v1/models";
        default: return "";
    }
}

std::string_view name(Endpoint endpoint) noexcept {
    switch (endpoint) {
        case Endpoint::chat_completions: return "chat_completions";
        case Endpoint::completions: return "completions";
        case Endpoint::embeddings: return "embeddings";
        case Endpoint::messages: return "messages";
        case Endpoint::messages_count_tokens: return "messages_count_tokens";
        case Endpoint::models: return "models";
        case Endpoint::usage: return "usage";
        case Endpoint::admin_usage: return "admin_usage";
        case Endpoint::admin_targets: return "admin_targets";
        case Endpoint::admin_reload: return "admin_reload";
        case Endpoint::healthz: return "healthz";
        case Endpoint::readyz: return "readyz";
        case Endpoint::metrics: return "metrics";
        case Endpoint::unknown: break;
    }
    return "unknown";
}

}  // namespace infergate::api
