// What the pieces of the Anthropic request translation share: the DOM type (insertion-ordered,
// so the upstream body reads in a stable order) and the 400s for fields it cannot translate.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "infergate/api/error.hpp"

namespace infergate::transform::anthropic {

using Json = nlohmann::ordered_json;
using MaybeError = std::optional<api::Error>;

// 400 invalid_type: `param` is not `expected` (e.g. "a string").
api::Error wrong_type(const std::string& param, std::string_view expected);
// 400 invalid_value, with the message as given.
api::Error wrong_value(const std::string& param, std::string message);
// 400 unsupported_value: valid OpenAI, but Anthropic has no way to do it.
api::Error unsupported(const std::string& param, std::string message);

// Client text quoted in a message, cut short: an error body is no echo service.
std::string shown(std::string_view text);

// The member `key` of an object, or nullptr when it is absent or null.
const Json* member(const Json& object, const std::string& key);

}  // namespace infergate::transform::anthropic
