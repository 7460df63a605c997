// OpenAI's tools, tool_choice and parallel_tool_calls -> Anthropic's tools and tool_choice.
#pragma once

#include "anthropic_request_json.hpp"

namespace infergate::transform::anthropic {

// Reads them from the OpenAI request `openai`; sets request["tools"] and request["tool_choice"].
MaybeError translate_tools(const Json& openai, Json& request);

}  // namespace infergate::transform::anthropic
