// OpenAI's `messages` -> Gemini's systemInstruction and its user/model `contents`.
#pragma once

#include "gemini_request_json.hpp"

namespace infergate::transform::gemini {

// Sets request["systemInstruction"] (when a system or developer message has text) and
// request["contents"].
MaybeError translate_messages(const Json& messages, Json& request);

}  // namespace infergate::transform::gemini
