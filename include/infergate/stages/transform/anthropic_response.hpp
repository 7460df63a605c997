// An Anthropic Messages answer -> an OpenAI chat.completion, as the client would have had it:
//   text blocks     -> message.content (joined; null when there is none)
//   thinking blocks -> message.reasoning_content (joined), never in content; redacted
//                      thinking and signatures are dropped (OpenAI's format cannot carry them)
//   tool_use blocks -> message.tool_calls, `input` as the JSON string `arguments`
//   stop_reason     -> finish_reason; usage -> OpenAI usage (prompt includes the cache)
// `id` and `model` stay as Anthropic gave them. Blocks joined as a stream's deltas are, so a
// streamed and an unstreamed answer read the same.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"
#include "infergate/stages/transform/anthropic_usage.hpp"

namespace infergate::transform::anthropic {

struct ChatCompletion {
    std::string body;     // the OpenAI JSON
    TokenCounts tokens;   // tokens.openai() is the usage in the body
};

// `created` (unix seconds) is the gateway's: Anthropic's answer has no time. A body that is
// not a Messages answer is an upstream_invalid_response naming `backend`.
std::variant<ChatCompletion, api::Error> translate_response(std::string_view body, std::int64_t created,
                                                            std::string_view backend);

}  // namespace infergate::transform::anthropic
