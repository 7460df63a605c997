// What the inbound Messages answer and stream translations share: stop reasons and usage in
// Anthropic's terms.
#pragma once

#include <string>
#include <string_view>

#include "infergate/streaming/sse.hpp"

namespace infergate::transform::messages_ingress {

// finish_reason -> stop_reason: stop -> end_turn, length -> max_tokens, tool_calls (and the
// legacy function_call) -> tool_use, content_filter -> refusal; anything else (null, a
// backend's own) -> end_turn.
std::string_view stop_reason(std::string_view finish_reason);

// Appends Anthropic's usage object: input_tokens excludes the cached prompt tokens, which are
// cache_read_input_tokens (OpenAI's prompt_tokens includes them); OpenAI reports no cache
// writes, so cache_creation_input_tokens is 0.
void append_usage(std::string& out, const sse::Usage& usage);

}  // namespace infergate::transform::messages_ingress
