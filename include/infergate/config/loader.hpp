// Turns YAML text into a validated Config, or into every error found, each with
// file:line:column and the key path, e.g.
//   infergate.yaml:14:7: models.llama.targets[0].backend: unknown backend "vlm"
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/config/config.hpp"

namespace infergate::config {

struct LoadResult {
    std::optional<Config> config;        // set iff errors is empty
    std::vector<std::string> errors;     // complete messages, in file order
    bool ok() const noexcept { return errors.empty(); }
};

// Looks up ${VAR}; nullopt when unset. Injected so tests need not touch the environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
std::optional<std::string> process_env(std::string_view name);

// The first 16 hex digits of the SHA-256 of a config file's bytes: names a config in metrics
// and in GET /admin/config.
std::string content_hash(std::string_view bytes);

// With admin.keys_file set, the keys in that file join auth.keys (see keys_file.hpp).
// `source_name` is what messages print before ":line:col" (the file's name as given).
LoadResult load_from_string(std::string_view yaml, std::string_view source_name,
                            const EnvLookup& env = process_env);
LoadResult load_from_file(const std::string& path, const EnvLookup& env = process_env);

}  // namespace infergate::config
