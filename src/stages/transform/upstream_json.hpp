// Reading a provider's answer with the allocation-free scanner: what every provider
// translation (Anthropic, Gemini) needs beyond json::scan_object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "infergate/json/scanner.hpp"

namespace infergate::transform {

// Upstream answers are nested a few levels at most (tool input is copied, not walked).
inline constexpr std::size_t kMaxUpstreamDepth = 128;

// Whether `member` is the JSON string `expected`; escapes are decoded only when present.
bool is_string(const json::Member& member, std::string_view expected);
// Whether `member` is the empty string token "".
inline bool is_empty_string(const json::Member& member) { return member.value == "\"\""; }
// A non-negative integer member, else 0 (providers' counts are never negative).
std::int64_t count_of(const json::Member& member);

// Calls `element` with each element of a JSON array token (already validated, as every token
// the scanner reports is), as a Member without a key.
void for_each_element(std::string_view array, json::MemberSink element);

}  // namespace infergate::transform
