// A path-tracking view over yaml-cpp nodes: every value knows its key path and position, so
// any problem can be reported as "<line>:<col>: models.x.targets[0].backend: ...".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "diagnostics.hpp"
#include "infergate/config/loader.hpp"

namespace infergate::config {

Location location_of(const YAML::Node& node);
Location location_of_mark(const YAML::Mark& mark);

// What the loader carries through the whole document: where problems go, where ${VAR} comes from.
struct Context {
    Diagnostics& diagnostics;
    const EnvLookup& env;

    void error(Location at, const std::string& path, std::string message) const {
        diagnostics.add(at, path, std::move(message));
    }
};

// One value in the document, with its name and where it was written.
struct Field {
    YAML::Node node;
    std::string path;  // "server.listen", "models.x.targets[0]"
    Location key_at;   // the key (for a sequence item: the item itself)

    // The value's own position; the key's for an empty value, whose mark points elsewhere.
    Location value_at() const;
    std::string child(std::string_view key) const;
};

// "a mapping", "a sequence", "a scalar", "an empty value": for "expected X, got Y".
std::string_view kind_of(const YAML::Node& node);

// Reads one mapping. Construction reports duplicate keys (yaml-cpp keeps them silently);
// take()/require() hand out values; reject_unknown() reports every key nobody asked for.
// A null node reads as an empty mapping, so "log:" with everything commented out is fine.
class MapReader {
public:
    struct Entry {
        std::string key;
        Field field;
        bool used = false;
    };

    MapReader(const Context& ctx, Field self);

    bool is_map() const noexcept { return is_map_; }
    const Field& self() const noexcept { return self_; }

    std::optional<Field> take(std::string_view key);
    // Like take(), and reports "<path>.<key>: is required" at this mapping's key when absent.
    std::optional<Field> require(std::string_view key);
    // For mappings whose keys are names (backends, models): every entry, in file order.
    std::vector<Entry>& take_all();
    void reject_unknown();

private:
    const Context& ctx_;
    Field self_;
    bool is_map_ = false;
    std::vector<Entry> entries_;
};

// The items of a sequence, each named "<path>[i]"; a null node has none.
std::vector<Field> read_sequence(const Context& ctx, const Field& field);

}  // namespace infergate::config
