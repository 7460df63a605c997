#include "infergate/server/admin/runtime_keys.hpp"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/file_io.hpp"
#include "infergate/config/keys_file.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/server/gateway.hpp"
#include "infergate/stages/auth/api_key.hpp"

namespace infergate::server::admin {
namespace {

api::Error keys_off() {
    return {409, "Runtime keys are off: set admin.keys_file in the config to create keys with the admin API.",
            "invalid_request_error", "runtime_keys_off", {}};
}

api::Error change_failed(const std::string& what) {
    // The path and errno only: nothing of a key.
    spdlog::error("runtime keys: {}", what);
    return {500, "The keys file could not be updated: " + what, "server_error", "keys_file_error", {}};
}

// With the change mutex held: the file gets `next`'s runtime keys, then `next` is published.
// Nothing is published when the file cannot be written, so memory never has a key the file lacks.
std::variant<std::uint64_t, api::Error> persist_and_publish(Gateway& gateway, const Snapshot& current,
                                                            config::Config next) {
    const std::string path = next.admin.keys_file;
    const std::string text = config::render_keys_file(next);
    SnapshotBuild build = build_snapshot(std::move(next), current.generation + 1, gateway.metrics(), &current);
    if (!build.snapshot) return change_failed(build.errors.empty() ? "the snapshot failed" : build.errors.front());
    if (std::string error = config::write_file_atomically(path, text); !error.empty()) return change_failed(error);
    const std::uint64_t generation = build.snapshot->generation;
    gateway.publish(std::move(build.snapshot));
    return generation;
}

}  // namespace

std::variant<CreatedKey, api::Error> create_runtime_key(Gateway& gateway, const nlohmann::json& entry) {
    std::lock_guard lock(gateway.change_mutex());
    const SnapshotPtr current = gateway.current();
    if (current->config.admin.keys_file.empty()) return keys_off();
    const std::string id = entry.value("id", "");
    CreatedKey created;
    try {
        created.key = auth::generate_key(id);
    } catch (const std::exception&) {
        return api::internal_error();
    }
    nlohmann::json stored = entry;
    stored["sha256"] = auth::to_hex(auth::sha256_of(created.key));
    auto parsed = config::parse_runtime_key(stored, current->config);
    if (auto* problem = std::get_if<config::KeyProblem>(&parsed)) {
        return api::invalid_request(problem->param.empty() ? problem->message : problem->param + ": " + problem->message,
                                    problem->param, "invalid_key");
    }
    created.settings = std::get<config::ApiKey>(std::move(parsed));
    config::Config next = current->config;
    next.auth.keys.push_back(created.settings);
    auto published = persist_and_publish(gateway, *current, std::move(next));
    if (auto* error = std::get_if<api::Error>(&published)) return std::move(*error);
    created.generation = std::get<std::uint64_t>(published);
    spdlog::info("runtime keys: created key \"{}\" (generation {})", created.settings.id, created.generation);
    return created;
}

std::variant<std::uint64_t, api::Error> revoke_runtime_key(Gateway& gateway, std::string_view id) {
    std::lock_guard lock(gateway.change_mutex());
    const SnapshotPtr current = gateway.current();
    config::Config next = current->config;
    auto& keys = next.auth.keys;
    const auto found = std::find_if(keys.begin(), keys.end(), [&](const config::ApiKey& key) { return key.id == id; });
    if (found == keys.end()) {
        return api::Error{404, fmt::format("No key with id \"{}\".", id.substr(0, 64)), "invalid_request_error",
                          "key_not_found", "id"};
    }
    if (!found->runtime) {
        return api::Error{409,
                          fmt::format("Key \"{}\" is in the config file (auth.keys): remove it there and reload.", id),
                          "invalid_request_error", "key_in_config", "id"};
    }
    if (next.admin.keys_file.empty()) return keys_off();
    keys.erase(found);
    auto published = persist_and_publish(gateway, *current, std::move(next));
    if (const auto* generation = std::get_if<std::uint64_t>(&published)) {
        spdlog::info("runtime keys: revoked key \"{}\" (generation {})", id, *generation);
    }
    return published;
}

}  // namespace infergate::server::admin
