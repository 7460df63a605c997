// API keys created and revoked at runtime (POST /admin/keys, DELETE /admin/keys/{id}).
// A change is written to admin.keys_file first (atomically: temp file, fsync, rename, fsync of
// the directory), then published as a new snapshot, as a reload would: every worker sees the
// key from its next request, and a restart or reload reads it back from the file. Changes
// and reloads take the gateway's change mutex, so none is lost to another.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "infergate/api/error.hpp"
#include "infergate/config/config.hpp"

namespace infergate::server {
class Gateway;
}

namespace infergate::server::admin {

struct CreatedKey {
    std::string key;          // the plaintext, shown once and never stored
    config::ApiKey settings;  // as stored (its sha256 included)
    std::uint64_t generation = 0;
};

// `entry`: an auth.keys entry without sha256 (checked as the config checks one). The key is
// generated here (auth::generate_key, like `infergate gen-key`).
std::variant<CreatedKey, api::Error> create_runtime_key(Gateway& gateway, const nlohmann::json& entry);

// The generation that no longer has the key, or why not (unknown id, a config key).
std::variant<std::uint64_t, api::Error> revoke_runtime_key(Gateway& gateway, std::string_view id);

}  // namespace infergate::server::admin
