// A backend's OpenAI chat.completion -> the Anthropic Messages answer the client asked for:
//   reasoning_content (or `reasoning`) -> a thinking block, first, with an empty signature: the
//                                  SDKs read it as a string and check nothing; the request
//                                  translation drops thinking handed back, so it is never
//                                  verified
//   content (or refusal)            -> a text block (none for empty text, as in the stream)
//   tool_calls                      -> tool_use blocks, `arguments` parsed into `input`;
//                                  arguments that are not a JSON object give `{}`: the
//                                  client's tool validation then tells the model, which can
//                                  retry, where a 502 would throw the whole answer away
//   finish_reason -> stop_reason (messages_ingress_wire.hpp); a `stop` with the matched string
//                    in choices[0].stop_reason (vLLM reports it) -> stop_sequence with it
//   usage -> input_tokens (without the cached part), cache_read_input_tokens, output_tokens
// id is "msg_" + the backend's id; model is the backend's.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"
#include "infergate/streaming/sse.hpp"

namespace infergate::transform::messages_ingress {

struct MessagesResponse {
    std::string body;   // the Anthropic JSON
    sse::Usage usage;   // the backend's usage, OpenAI's terms, for quota
};

// A body that is not a chat.completion is an upstream_invalid_response naming `backend`.
std::variant<MessagesResponse, api::Error> translate_response(std::string_view openai_body,
                                                              std::string_view backend);

}  // namespace infergate::transform::messages_ingress
