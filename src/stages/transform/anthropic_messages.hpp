// OpenAI's `messages` -> Anthropic's top-level `system` and its alternating `messages`.
#pragma once

#include "anthropic_request_json.hpp"

namespace infergate::transform::anthropic {

// Sets request["system"] (when a system or developer message has text) and request["messages"].
MaybeError translate_messages(const Json& messages, Json& request);

}  // namespace infergate::transform::anthropic
