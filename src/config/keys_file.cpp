#include "infergate/config/keys_file.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "access_sections.hpp"
#include "diagnostics.hpp"
#include "file_io.hpp"
#include "infergate/config/config_json.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {
namespace {

// The file is written by the gateway, not templated by an operator: no ${VAR} in it.
std::optional<std::string> no_environment(std::string_view) { return std::nullopt; }

// A key clashing with one already in `config` (its own config keys, earlier file keys).
std::optional<std::string> clash(const ApiKey& key, const Config& config) {
    for (const ApiKey& other : config.auth.keys) {
        if (other.id == key.id) {
            return "key id \"" + key.id + "\" is already taken by " +
                   (other.runtime ? std::string("another runtime key") : std::string("a key in the config (auth.keys)"));
        }
        if (other.sha256 == key.sha256) return "same sha256 as key \"" + other.id + "\"";
    }
    if (config.admin.key_sha256 && *config.admin.key_sha256 == key.sha256) return "same sha256 as the admin key";
    return std::nullopt;
}

void read_entries(const Context& ctx, const YAML::Node& root, Config& config) {
    MapReader map{ctx, Field{root, "", location_of(root)}};
    if (const auto keys = map.require("keys")) {
        for (const Field& item : read_sequence(ctx, *keys)) {
            ApiKey key;
            read_key(ctx, item, config, key);
            key.runtime = true;
            if (const auto problem = clash(key, config)) ctx.error(item.key_at, item.path + ".id", *problem);
            config.auth.keys.push_back(std::move(key));
        }
    }
    map.reject_unknown();
}

// The file is read without ${VAR} expansion, so a value holding "${" would not read back as
// written: refused at creation. Returns the path of the first such string.
std::optional<std::string> find_placeholder(const nlohmann::json& value, const std::string& path) {
    if (value.is_string()) {
        if (value.get_ref<const std::string&>().find("${") != std::string::npos) return path;
    } else if (value.is_object()) {
        for (const auto& [name, member] : value.items()) {
            if (auto found = find_placeholder(member, path.empty() ? name : path + "." + name)) return found;
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (auto found = find_placeholder(value[i], path + "[" + std::to_string(i) + "]")) return found;
        }
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> read_keys_file(Config& config) {
    const std::string& path = config.admin.keys_file;
    if (path.empty()) return {};
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return {};  // no key created yet
    std::string text;
    if (std::string error = read_file(path, text); !error.empty()) return {path + ": " + error};
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& error) {
        const Location at = location_of_mark(error.mark);
        return {fmt::format("{}:{}:{}: invalid JSON: {}", path, at.line, at.column, error.msg)};
    }
    Diagnostics diagnostics;
    const EnvLookup env = no_environment;
    read_entries(Context{diagnostics, env}, root, config);
    return diagnostics.render(path);
}

std::variant<ApiKey, KeyProblem> parse_runtime_key(const nlohmann::json& entry, const Config& config) {
    Diagnostics diagnostics;
    const EnvLookup env = no_environment;
    const Context ctx{diagnostics, env};
    if (auto path = find_placeholder(entry, "")) return KeyProblem{*path, "must not contain \"${\""};
    ApiKey key;
    YAML::Node node;
    try {
        // The body was parsed as JSON already: its dump is valid YAML with the same values.
        node = YAML::Load(entry.dump());
    } catch (const YAML::Exception&) {
        return KeyProblem{"", "the key could not be read"};
    }
    read_key(ctx, Field{node, "", {1, 1}}, config, key);
    key.runtime = true;
    if (!diagnostics.empty()) {
        const Diagnostics::Entry& first = diagnostics.entries().front();
        return KeyProblem{first.path, first.message};
    }
    if (const auto problem = clash(key, config)) return KeyProblem{"id", *problem};
    return key;
}

std::string render_keys_file(const Config& config) {
    nlohmann::ordered_json keys = nlohmann::ordered_json::array();
    for (const ApiKey& key : config.auth.keys) {
        if (key.runtime) keys.push_back(render_key(key, /*with_sha256=*/true));
    }
    return nlohmann::ordered_json{{"keys", std::move(keys)}}.dump(2) + "\n";
}

}  // namespace infergate::config
