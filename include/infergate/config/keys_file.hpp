// The runtime keys file (admin.keys_file): the API keys created with POST /admin/keys.
//   {"keys":[{"id":"app2","sha256":"<64 hex>","tenant":"team-a","models":["gpt-*"],...}]}
// Each entry has the shape of an auth.keys entry and is read by the same code (JSON is YAML),
// so it is checked the same way and its errors carry file:line:col. Only the SHA-256 of a key
// is ever stored.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "infergate/config/config.hpp"

namespace infergate::config {

// Adds the keys of config.admin.keys_file to config.auth.keys, marked `runtime`. A file that
// does not exist holds no keys. Returns every problem ("file:line:col: keys[0].id: ..."): an
// unreadable or invalid file, an id or hash that config.auth.keys (or the admin key) has too.
std::vector<std::string> read_keys_file(Config& config);

// One key as POST /admin/keys gives it (an auth.keys entry, sha256 included), checked against
// `config` like a keys-file entry. A problem names the parameter at fault.
struct KeyProblem {
    std::string param;    // "limits.requests_per_minute"
    std::string message;
};
std::variant<ApiKey, KeyProblem> parse_runtime_key(const nlohmann::json& entry, const Config& config);

// The file's contents for the runtime keys of `config`.
std::string render_keys_file(const Config& config);

}  // namespace infergate::config
