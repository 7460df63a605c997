// What the Anthropic response and stream translations share: reading Anthropic's JSON with the
// allocation-free scanner, and mapping its stop reasons.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "infergate/json/scanner.hpp"
#include "infergate/stages/transform/anthropic_usage.hpp"

namespace infergate::transform::anthropic {

// Upstream answers are nested a few levels at most (tool input is copied, not walked).
inline constexpr std::size_t kMaxUpstreamDepth = 128;

// Whether `member` is the JSON string `expected`; escapes are decoded only when present.
bool is_string(const json::Member& member, std::string_view expected);
// A non-negative integer member, else 0 (Anthropic's counts are never negative).
std::int64_t count_of(const json::Member& member);

// The members of a content block (or of a block's delta) that the translation reads; a
// string member of another kind is left out.
struct BlockFields {
    std::optional<json::Member> type, id, name, text, thinking, partial_json, input;
};
BlockFields read_block_fields(std::string_view object);

// Calls `element` with each element of a JSON array token (already validated, as every token
// the scanner reports is), as a Member without a key.
void for_each_element(std::string_view array, json::MemberSink element);

// stop_reason -> finish_reason: end_turn, stop_sequence, pause_turn -> stop; max_tokens and
// model_context_window_exceeded -> length; tool_use -> tool_calls; refusal -> content_filter.
// Anything else (null, a reason added later) is a natural stop.
std::string_view finish_reason(const json::Member& stop_reason);

}  // namespace infergate::transform::anthropic
