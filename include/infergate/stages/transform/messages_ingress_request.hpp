// An inbound Anthropic Messages request (POST /v1/messages from the Anthropic SDK, Claude Code,
// ...) -> the OpenAI chat completions request the gateway's backends take:
//   system (string or text blocks)    -> one leading system message (blocks joined by "\n\n")
//   user / assistant, string or blocks:
//     text                            -> text (a lone text stays a string)
//     image, base64 / url source      -> image_url part with a data: URL / the URL (user only)
//     tool_use (assistant)            -> tool_calls, `input` as the JSON string `arguments`
//     tool_result (user)              -> one `tool` message per result, before the rest of that
//                                        user turn (OpenAI wants them right after the calls);
//                                        text blocks joined by "\n", an is_error result
//                                        prefixed "Error: " (OpenAI has no error flag); images
//                                        in a result move to the user message that follows
//     thinking / redacted_thinking    -> dropped: an OpenAI backend cannot take back a
//                                        signed thinking block
//     cache_control                   -> dropped (OpenAI backends cache prompts by themselves)
//   max_tokens (required)             -> max_tokens
//   stop_sequences -> stop; temperature, top_p -> the same; top_k and thinking dropped
//   stream -> stream with stream_options.include_usage (Anthropic's stream always has usage)
//   tools {name, description, input_schema} -> function tools; tool_choice auto / any / tool /
//   none -> auto / required / {function} / none; disable_parallel_tool_use ->
//   parallel_tool_calls: false; metadata.user_id -> user
// `model` is kept as the client wrote it: the gateway routes on it. Other fields
// (service_tier, ...) are left out. Errors are OpenAI's 400s with `param` (Anthropic's field
// path); messages_ingress_errors.hpp renders them in Anthropic's shape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"

namespace infergate::transform::messages_ingress {

inline constexpr std::string_view kMessagesPath = "/v1/messages";

struct ChatRequest {
    std::string openai_body;      // the OpenAI JSON
    std::string model;            // as the client named it
    bool stream = false;
    std::int64_t max_tokens = 0;
};

std::variant<ChatRequest, api::Error> translate_request(std::string_view anthropic_body);

}  // namespace infergate::transform::messages_ingress
