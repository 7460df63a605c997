#include "yaml_reader.hpp"

#include <map>

#include <fmt/format.h>

namespace infergate::config {

Location location_of_mark(const YAML::Mark& mark) {
    if (mark.is_null()) return {};
    return {mark.line + 1, mark.column + 1};
}

Location location_of(const YAML::Node& node) { return location_of_mark(node.Mark()); }

Location Field::value_at() const {
    if (node.IsNull()) return key_at;
    return location_of(node);
}

std::string Field::child(std::string_view key) const {
    if (path.empty()) return std::string{key};
    return path + "." + std::string{key};
}

std::string_view kind_of(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Sequence:
            return "a sequence";
        case YAML::NodeType::Scalar:
            return "a scalar";
        default:
            return "an empty value";
    }
}

MapReader::MapReader(const Context& ctx, Field self) : ctx_(ctx), self_(std::move(self)) {
    if (self_.node.IsNull()) {
        is_map_ = true;
        return;
    }
    if (!self_.node.IsMap()) {
        ctx_.error(self_.value_at(), self_.path,
                   fmt::format("expected a mapping, got {}", kind_of(self_.node)));
        return;
    }
    is_map_ = true;
    std::map<std::string, Location, std::less<>> first_seen;
    for (const auto& pair : self_.node) {
        // Copies: yaml-cpp nodes are handles, and its iterator's operator-> hands out a
        // temporary that must not be referenced past this statement.
        const YAML::Node key = pair.first;
        const YAML::Node value = pair.second;
        const Location key_at = location_of(key);
        if (!key.IsScalar()) {
            ctx_.error(key_at, self_.path,
                       fmt::format("keys must be strings, got {}", kind_of(key)));
            continue;
        }
        const std::string& name = key.Scalar();
        const auto [seen, inserted] = first_seen.emplace(name, key_at);
        if (!inserted) {
            // The first one wins for reading; the operator must still hear about the second.
            ctx_.error(key_at, self_.child(name),
                       fmt::format("duplicate key (first defined at line {})", seen->second.line));
            continue;
        }
        entries_.push_back({name, Field{value, self_.child(name), key_at}});
    }
}

std::optional<Field> MapReader::take(std::string_view key) {
    for (Entry& entry : entries_) {
        if (entry.key == key) {
            entry.used = true;
            return entry.field;
        }
    }
    return std::nullopt;
}

std::optional<Field> MapReader::require(std::string_view key) {
    std::optional<Field> field = take(key);
    // A mapping of the wrong type was already reported; "is required" would only add noise.
    if (!field && is_map_) ctx_.error(self_.key_at, self_.child(key), "is required");
    return field;
}

std::vector<MapReader::Entry>& MapReader::take_all() {
    for (Entry& entry : entries_) entry.used = true;
    return entries_;
}

void MapReader::reject_unknown() {
    for (const Entry& entry : entries_) {
        if (!entry.used) ctx_.error(entry.field.key_at, entry.field.path, "unknown key");
    }
}

std::vector<Field> read_sequence(const Context& ctx, const Field& field) {
    std::vector<Field> items;
    if (field.node.IsNull()) return items;
    if (!field.node.IsSequence()) {
        ctx.error(field.value_at(), field.path,
                  fmt::format("expected a sequence, got {}", kind_of(field.node)));
        return items;
    }
    std::size_t index = 0;
    for (const YAML::Node& item : field.node) {
        const std::string path = fmt::format("{}[{}]", field.path, index++);
        items.push_back(Field{item, path, item.IsNull() ? field.value_at() : location_of(item)});
    }
    return items;
}

}  // namespace infergate::config
