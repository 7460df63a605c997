// The Anthropic request translation's 400 for what Anthropic cannot do; the rest of what its
// pieces share is request_json.hpp.
#pragma once

#include <string>

#include "request_json.hpp"

namespace infergate::transform::anthropic {

// 400 unsupported_value: valid OpenAI, but Anthropic has no way to do it.
api::Error unsupported(const std::string& param, std::string message);

}  // namespace infergate::transform::anthropic
