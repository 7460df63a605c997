// Anthropic's tools and tool_choice -> OpenAI's tools, tool_choice and parallel_tool_calls.
#pragma once

#include "messages_ingress_json.hpp"

namespace infergate::transform::messages_ingress {

// Reads them from the Anthropic request `anthropic`; sets them in the OpenAI `request`.
MaybeError translate_tools(const Json& anthropic, Json& request);

}  // namespace infergate::transform::messages_ingress
