// Anthropic's `system` and `messages` -> OpenAI's `messages`.
#pragma once

#include "messages_ingress_json.hpp"

namespace infergate::transform::messages_ingress {

// Appends the system message for `system` (a string or text blocks), if it has text.
MaybeError translate_system(const Json& system, Json& messages);

// Appends the OpenAI messages for Anthropic's `messages` array.
MaybeError translate_messages(const Json& anthropic_messages, Json& messages);

}  // namespace infergate::transform::messages_ingress
