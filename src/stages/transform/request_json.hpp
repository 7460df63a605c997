// What the request translations to every provider share: the DOM type (insertion-ordered, so
// the upstream body reads in a stable order) and the 400s for fields they cannot translate.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "infergate/api/error.hpp"

namespace infergate::transform {

using Json = nlohmann::ordered_json;
using MaybeError = std::optional<api::Error>;

// 400 invalid_type: `param` is not `expected` (e.g. "a string").
api::Error wrong_type(const std::string& param, std::string_view expected);
// 400 invalid_value, with the message as given.
api::Error wrong_value(const std::string& param, std::string message);
// 400 unsupported_value: valid OpenAI, but `provider` (named in the message) cannot do it.
api::Error unsupported_by(std::string_view provider, const std::string& param, std::string message);

// Client text quoted in a message, cut short: an error body is no echo service.
std::string shown(std::string_view text);

// The member `key` of an object, or nullptr when it is absent or null.
const Json* member(const Json& object, const std::string& key);

// A tool call's `arguments` string as the JSON object it must be ({} when empty), or the 400
// naming `param`. Depth-bounded before parsing: the DOM parser recurses once per level.
MaybeError parse_arguments(const std::string& arguments, const std::string& param, Json& object);

}  // namespace infergate::transform
