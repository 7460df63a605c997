// OpenAI's tools and tool_choice -> Gemini's tools (functionDeclarations) and toolConfig.
#pragma once

#include "gemini_request_json.hpp"

namespace infergate::transform::gemini {

// Reads them from the OpenAI request `openai`; sets request["tools"] and request["toolConfig"].
MaybeError translate_tools(const Json& openai, Json& request);

}  // namespace infergate::transform::gemini
