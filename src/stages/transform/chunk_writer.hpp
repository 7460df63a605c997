// Writing OpenAI chat.completion.chunk events, as every provider's stream translation does:
// straight into the output, the upstream's JSON tokens copied rather than re-escaped.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "infergate/api/error.hpp"

namespace infergate::transform {

// `data: {"id":<id>,"object":"chat.completion.chunk","created":...,"model":<model>,"choices":[`;
// `id` and `model` are JSON string tokens.
std::string chunk_head(std::string_view id, std::int64_t created, std::string_view model);

// A chunk of choice 0: `head`, then through `"delta":`.
void open_chunk(std::string& out, std::string_view head);
// After the delta: the finish_reason (null when `finish` is empty) and the chunk's end.
void close_chunk(std::string& out, std::string_view finish);
// One chunk: its delta is `delta_parts` concatenated.
void append_chunk(std::string& out, std::string_view head, std::initializer_list<std::string_view> delta_parts,
                  std::string_view finish = {});
// The usage chunk (no choices): `usage` is the OpenAI usage object.
void append_usage_chunk(std::string& out, std::string_view head, std::string_view usage);
// `data: {"error":{...}}`: how the gateway ends a client's stream that failed (no [DONE]).
void append_error_event(std::string& out, const api::Error& error);

}  // namespace infergate::transform
