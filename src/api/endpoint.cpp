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
    if (path == "/admin/config") return Endpoint::admin_config;
    if (path == "/admin/backends") return Endpoint::admin_backends;
    if (path == "/admin/targets/drain") return Endpoint::admin_drain;
    if (path == "/admin/targets/undrain") return Endpoint::admin_undrain;
    if (path == "/admin/keys") return Endpoint::admin_keys;
    if (!admin_key_id(path).empty()) return Endpoint::admin_key;
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

bool is_admin(Endpoint endpoint) noexcept {
    switch (endpoint) {
        case Endpoint::admin_usage:
        case Endpoint::admin_targets:
        case Endpoint::admin_reload:
        case Endpoint::admin_config:
        case Endpoint::admin_backends:
        case Endpoint::admin_drain:
        case Endpoint::admin_undrain:
        case Endpoint::admin_keys:
        case Endpoint::admin_key: return true;
        default: return false;
    }
}

std::string_view allowed_methods(Endpoint endpoint) noexcept {
    if (is_proxied(endpoint)) return "POST";
    switch (endpoint) {
        case Endpoint::admin_reload:
        case Endpoint::admin_drain:
        case Endpoint::admin_undrain: return "POST";
        case Endpoint::admin_keys: return "GET, POST";
        case Endpoint::admin_key: return "DELETE";
        case Endpoint::unknown: return "GET, POST";
        default: return "GET";
    }
}

bool allows(Endpoint endpoint, std::string_view method) noexcept {
    const std::string_view allowed = allowed_methods(endpoint);
    if (method == "HEAD") method = "GET";
    // The lists are short and no method name is a prefix of another one in them.
    for (std::size_t start = 0; start < allowed.size();) {
        std::size_t end = allowed.find(", ", start);
        if (end == std::string_view::npos) end = allowed.size();
        if (allowed.substr(start, end - start) == method) return true;
        start = end + 2;
    }
    return false;
}

std::string_view admin_key_id(std::string_view target) noexcept {
    constexpr std::string_view prefix = "/admin/keys/";
    const std::string_view path = target.substr(0, target.find('?'));
    if (!path.starts_with(prefix)) return {};
    const std::string_view id = path.substr(prefix.size());
    return id.find('/') == std::string_view::npos ? id : std::string_view{};
}

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
        case Endpoint::admin_config: return "admin_config";
        case Endpoint::admin_backends: return "admin_backends";
        case Endpoint::admin_drain: return "admin_drain";
        case Endpoint::admin_undrain: return "admin_undrain";
        case Endpoint::admin_keys: return "admin_keys";
        case Endpoint::admin_key: return "admin_key";
        case Endpoint::healthz: return "healthz";
        case Endpoint::readyz: return "readyz";
        case Endpoint::metrics: return "metrics";
        case Endpoint::unknown: break;
    }
    return "unknown";
}

}  // namespace infergate::api
