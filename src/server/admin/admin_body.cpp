#include "infergate/server/admin/admin_body.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace infergate::server::admin {

std::variant<nlohmann::json, api::Error> parse_object(std::string_view body) {
    if (body.size() > kMaxAdminBody) return api::body_too_large(kMaxAdminBody);
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
        return api::invalid_request("The request body is not valid JSON.", {}, "invalid_json");
    }
    if (!parsed.is_object()) {
        return api::invalid_request("The request body must be a JSON object.", {}, "invalid_json");
    }
    return parsed;
}

std::variant<std::optional<std::string>, api::Error> string_member(const nlohmann::json& object,
                                                                   std::string_view name) {
    const auto found = object.find(name);
    if (found == object.end() || found->is_null()) return std::optional<std::string>{};
    if (!found->is_string() || found->get_ref<const std::string&>().empty()) {
        return api::invalid_request(fmt::format("'{}' must be a non-empty string.", name), std::string(name),
                                    "invalid_type");
    }
    return std::optional<std::string>{found->get<std::string>()};
}

std::optional<api::Error> reject_unknown(const nlohmann::json& object,
                                         std::initializer_list<std::string_view> known) {
    for (const auto& [name, value] : object.items()) {
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            // Names only: never a value, which could be a pasted key.
            return api::invalid_request(fmt::format("Unrecognized request argument supplied: {}.",
                                                    name.substr(0, 64)),
                                        name.substr(0, 64), "unknown_parameter");
        }
    }
    return std::nullopt;
}

api::Error missing_parameter(std::string_view name) {
    return api::invalid_request(fmt::format("Missing required parameter: '{}'.", name), std::string(name),
                                "missing_required_parameter");
}

}  // namespace infergate::server::admin
