// The HTTP endpoints the gateway answers, and how a request target maps to one.
#pragma once

#include <cstdint>
#include <string_view>

namespace infergate::api {

enum class Endpoint : std::uint8_t {
    chat_completions,  // POST /v1/chat/completions   (proxied)
    completions,       // POST /v1/completions        (proxied)
    embeddings,        // POST /v1/embeddings         (proxied)
    messages,          // POST /v1/messages           (proxied; Anthropic's API, for its SDKs)
    messages_count_tokens,  // POST /v1/messages/count_tokens (auth and routing; estimated locally)
    models,            // GET  /v1/models             (answered locally)
    usage,             // GET  /v1/usage              (the caller's limits and what is used)
    admin_usage,       // GET  /admin/usage           (every key and tenant; admin key)
    admin_targets,     // GET  /admin/targets         (every route target's state; admin key)
    admin_reload,      // POST /admin/reload          (reload the config file; admin key)
    admin_config,      // GET  /admin/config          (the effective config, secrets redacted)
    admin_backends,    // GET  /admin/backends        (health, last connect, pools over the workers)
    admin_drain,       // POST /admin/targets/drain   (a target takes no new requests)
    admin_undrain,     // POST /admin/targets/undrain
    admin_keys,        // GET, POST /admin/keys       (runtime API keys: list, create)
    admin_key,         // DELETE /admin/keys/{id}     (revoke one)
    healthz,           // GET  /healthz
    readyz,            // GET  /readyz
    metrics,           // GET  /metrics
    unknown,
};

// Maps the path of a request target (the query string is ignored) to an endpoint.
Endpoint classify(std::string_view target) noexcept;

bool is_proxied(Endpoint endpoint) noexcept;
bool is_admin(Endpoint endpoint) noexcept;
// The methods an endpoint answers, as the Allow header of a 405 lists them: "GET", "POST",
// "GET, POST" or "DELETE". HEAD is answered wherever GET is.
std::string_view allowed_methods(Endpoint endpoint) noexcept;
bool allows(Endpoint endpoint, std::string_view method) noexcept;
// "/admin/keys/app1" -> "app1" (percent-encoding is not decoded: ids need none); "" otherwise.
std::string_view admin_key_id(std::string_view target) noexcept;
// "/v1/chat/completions" etc.: the path appended to a backend's base path.
std::string_view upstream_path(Endpoint endpoint) noexcept;
// "chat_completions" etc.: the log field and metric label.
std::string_view name(Endpoint endpoint) noexcept;

}  // namespace infergate::api
