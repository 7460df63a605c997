// Server-sent events as they cross the gateway: finding where an event ends in a byte stream
// whose chunks may split it anywhere, and reading the few things the gateway needs from one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace infergate::sse {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

// Returns the length of the first complete event in `bytes` (through the blank line that ends
// it; lines may end in CRLF, LF or CR), or npos if the event is not complete yet. A CR as the
// very last byte is undecided (a LF may follow in the next chunk), so it counts as incomplete.
std::size_t find_event_end(std::string_view bytes) noexcept;

// The payload of the event's first "data:" line (one leading space removed), if any.
std::optional<std::string_view> first_data(std::string_view event) noexcept;

bool is_done_event(std::string_view event) noexcept;  // data: [DONE]
// Whether a chunk's JSON carries generated output (non-empty content, text, reasoning,
// refusal, or tool calls), as opposed to a role announcement or an empty delta. The relay
// holds the events before the first such chunk, so an attempt can still fail over.
bool carries_content(std::string_view json_object) noexcept;

struct Usage {
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    std::int64_t cached_tokens = 0;     // prompt_tokens_details.cached_tokens (part of prompt)
    std::int64_t reasoning_tokens = 0;  // completion_tokens_details.reasoning_tokens (part of completion)
};
// Whether `"usage"` followed by `:` and `{` appears anywhere in the bytes: a cheap memmem
// pre-check, so that chunks without usage (or with `"usage":null`) are never parsed.
bool mentions_usage_object(std::string_view json_object) noexcept;
// Reads `usage` from a JSON object (a response body or one event's data); nullopt when the
// object has no usage object. Cheap when absent: mentions_usage_object() precedes any parsing.
std::optional<Usage> find_usage(std::string_view json_object) noexcept;
// Reads the counts of a `usage` object itself (its bytes, already validated as JSON).
Usage read_usage(std::string_view usage_object) noexcept;

}  // namespace infergate::sse
