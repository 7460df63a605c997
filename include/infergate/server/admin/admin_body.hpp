// The JSON bodies of the admin API's write endpoints: small objects, checked member by member
// so that every refusal names its parameter.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "infergate/api/error.hpp"

namespace infergate::server::admin {

// An admin call's body is a handful of names: far below server.max_body_bytes.
inline constexpr std::size_t kMaxAdminBody = 64 * 1024;

// The body as a JSON object, or 413 (too large) / 400 (not JSON, not an object).
std::variant<nlohmann::json, api::Error> parse_object(std::string_view body);

// `name` as a non-empty string: nullopt when absent (or null); an Error naming `name` when it
// is not a string or is empty.
std::variant<std::optional<std::string>, api::Error> string_member(const nlohmann::json& object,
                                                                   std::string_view name);

// 400 for a parameter the endpoint does not know.
std::optional<api::Error> reject_unknown(const nlohmann::json& object,
                                         std::initializer_list<std::string_view> known);

api::Error missing_parameter(std::string_view name);

}  // namespace infergate::server::admin
