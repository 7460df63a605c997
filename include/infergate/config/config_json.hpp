// The configuration as JSON, in the YAML's own key names: GET /admin/config shows the
// effective config (after ${VAR} expansion and defaults), and the runtime keys file stores its
// keys in the shape auth.keys takes, so the loader reads both with the same code.
//
// Credentials never appear: backend api_key and api_keys, policy header values (they may
// carry tokens) show as a Secret's fingerprint ("<redacted:3f9a>"); the admin key's and the
// API keys' SHA-256 are left out (not secrets, but of no use to a reader).
#pragma once

#include <nlohmann/json.hpp>

#include "infergate/config/config.hpp"

namespace infergate::config {

nlohmann::ordered_json render_config(const Config& config);

// One auth.keys entry. `with_sha256`: the keys file, which must hold it; the admin API does not.
nlohmann::ordered_json render_key(const ApiKey& key, bool with_sha256);

// "openai", "azure_openai", "anthropic", "gemini"
std::string_view provider_name(Provider provider);

// "250ms", "10s", "5m": how the config writes a duration.
std::string duration_text(Duration duration);

}  // namespace infergate::config
