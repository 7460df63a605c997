#include "messages_ingress_wire.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace infergate::transform::messages_ingress {

std::string_view stop_reason(std::string_view finish_reason) {
    if (finish_reason == "length") return "max_tokens";
    if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
    if (finish_reason == "content_filter") return "refusal";
    return "end_turn";
}

void append_usage(std::string& out, const sse::Usage& usage) {
    const std::int64_t prompt = std::max<std::int64_t>(usage.prompt_tokens, 0);
    const std::int64_t cached = std::clamp<std::int64_t>(usage.cached_tokens, 0, prompt);
    fmt::format_to(std::back_inserter(out),
                   R"({{"input_tokens":{},"cache_creation_input_tokens":0,"cache_read_input_tokens":{},)"
                   R"("output_tokens":{}}})",
                   prompt - cached, cached, std::max<std::int64_t>(usage.completion_tokens, 0));
}

}  // namespace infergate::transform::messages_ingress
