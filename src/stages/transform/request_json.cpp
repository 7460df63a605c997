#include "request_json.hpp"

#include "infergate/api/openai_request.hpp"
#include "infergate/json/scanner.hpp"

namespace infergate::transform {

api::Error wrong_type(const std::string& param, std::string_view expected) {
    return api::invalid_request("Invalid type for '" + param + "': expected " + std::string(expected) + ".",
                                param, "invalid_type");
}

api::Error wrong_value(const std::string& param, std::string message) {
    return api::invalid_request(std::move(message), param, "invalid_value");
}

api::Error unsupported_by(std::string_view provider, const std::string& param, std::string message) {
    return api::invalid_request(std::move(message) + " (the model's provider is " + std::string(provider) + ")",
                                param, "unsupported_value");
}

std::string shown(std::string_view text) {
    constexpr std::size_t kMax = 64;
    return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "...";
}

const Json* member(const Json& object, const std::string& key) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return nullptr;
    return &*found;
}

MaybeError parse_arguments(const std::string& arguments, const std::string& param, Json& object) {
    object = Json::object();
    if (arguments.empty()) return {};
    object = json::validate(arguments, api::kMaxJsonDepth) ? Json(Json::value_t::discarded)
                                                           : Json::parse(arguments, nullptr, false);
    if (!object.is_object()) return wrong_value(param, "Tool call arguments must be a JSON object.");
    return {};
}

}  // namespace infergate::transform
