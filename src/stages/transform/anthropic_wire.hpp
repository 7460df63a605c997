// What the Anthropic response and stream translations share: reading Anthropic's blocks
// (generic scanning is upstream_json.hpp) and mapping its stop reasons.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "infergate/json/scanner.hpp"
#include "infergate/stages/transform/anthropic_usage.hpp"
#include "upstream_json.hpp"

namespace infergate::transform::anthropic {

// The members of a content block (or of a block's delta) that the translation reads; a
// string member of another kind is left out.
struct BlockFields {
    std::optional<json::Member> type, id, name, text, thinking, partial_json, input;
};
BlockFields read_block_fields(std::string_view object);

// stop_reason -> finish_reason: end_turn, stop_sequence, pause_turn -> stop; max_tokens and
// model_context_window_exceeded -> length; tool_use -> tool_calls; refusal -> content_filter.
// Anything else (null, a reason added later) is a natural stop.
std::string_view finish_reason(const json::Member& stop_reason);

}  // namespace infergate::transform::anthropic
