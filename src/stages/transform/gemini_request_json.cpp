#include "gemini_request_json.hpp"

#include <algorithm>
#include <array>

namespace infergate::transform::gemini {

api::Error unsupported(const std::string& param, std::string message) {
    return unsupported_by("Google Gemini", param, std::move(message));
}

Json gemini_schema(const Json& schema) {
    if (schema.is_array()) {
        Json out = Json::array();
        for (const Json& element : schema) out.push_back(gemini_schema(element));
        return out;
    }
    if (!schema.is_object()) return schema;
    constexpr std::array<std::string_view, 3> kRefused{"additionalProperties", "$schema", "strict"};
    Json out = Json::object();
    for (const auto& [key, value] : schema.items()) {
        if (std::find(kRefused.begin(), kRefused.end(), key) != kRefused.end()) continue;
        // Under `properties` the keys are property names, not schema keywords: kept whatever they are.
        if (key == "properties" && value.is_object()) {
            Json& properties = out[key] = Json::object();
            for (const auto& [name, property] : value.items()) properties[name] = gemini_schema(property);
        } else {
            out[key] = gemini_schema(value);
        }
    }
    return out;
}

}  // namespace infergate::transform::gemini
