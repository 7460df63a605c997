#include "yaml_json.hpp"

#include <charconv>
#include <cmath>

namespace infergate::config {
namespace {

using Json = nlohmann::ordered_json;

Json plain_scalar(const std::string& text) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    const char* begin = text.data();
    const char* end = begin + text.size();
    std::int64_t integer = 0;
    if (auto [ptr, ec] = std::from_chars(begin, end, integer); ec == std::errc() && ptr == end) return integer;
    double number = 0;
    if (auto [ptr, ec] = std::from_chars(begin, end, number); ec == std::errc() && ptr == end && std::isfinite(number)) {
        return number;
    }
    return text;
}

}  // namespace

std::optional<Json> read_json_value(const Context& ctx, const Field& field) {
    const YAML::Node& node = field.node;
    if (node.IsNull()) return Json(nullptr);
    if (node.IsScalar()) {
        // "!" is the tag yaml-cpp gives quoted scalars: the operator meant a string.
        if (node.Tag() == "!") return Json(node.Scalar());
        return plain_scalar(node.Scalar());
    }
    if (node.IsSequence()) {
        Json array = Json::array();
        for (const Field& item : read_sequence(ctx, field)) {
            auto value = read_json_value(ctx, item);
            if (!value) return std::nullopt;
            array.push_back(std::move(*value));
        }
        return array;
    }
    Json object = Json::object();
    MapReader map{ctx, field};
    for (MapReader::Entry& entry : map.take_all()) {
        auto value = read_json_value(ctx, entry.field);
        if (!value) return std::nullopt;
        object[entry.key] = std::move(*value);
    }
    return object;
}

}  // namespace infergate::config
