#include "anthropic_request_json.hpp"

namespace infergate::transform::anthropic {

api::Error wrong_type(const std::string& param, std::string_view expected) {
    return api::invalid_request("Invalid type for '" + param + "': expected " + std::string(expected) + ".",
                                param, "invalid_type");
}

api::Error wrong_value(const std::string& param, std::string message) {
    return api::invalid_request(std::move(message), param, "invalid_value");
}

api::Error unsupported(const std::string& param, std::string message) {
    return api::invalid_request(std::move(message) + " (the model's provider is Anthropic)", param,
                                "unsupported_value");
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

}  // namespace infergate::transform::anthropic
