// A Gemini generateContent answer -> an OpenAI chat.completion, as the client would have had it:
//   candidates[0] text parts       -> message.content (joined; null when there is none)
//   thought parts (thought: true)  -> message.reasoning_content (joined), never in content
//   functionCall parts             -> message.tool_calls, ids call_0, call_1, ..., `args` as
//                                     the JSON string `arguments`
//   finishReason                   -> finish_reason (tool_calls whenever a function was called)
//   usageMetadata                  -> OpenAI usage (completion includes the thoughts)
//   id "chatcmpl-" + responseId (else made from `created`); model from modelVersion (else
//   `backend`). Other parts (inline data, code execution, thought signatures) have no OpenAI form.
// A prompt Gemini blocked (promptFeedback.blockReason, no candidates) is a 400 content_filter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"
#include "infergate/stages/transform/gemini_usage.hpp"

namespace infergate::transform::gemini {

// The client's answer, and Gemini's counts for quota and cost (usage in the body is
// tokens.openai()).
struct ChatCompletion {
    std::string body;
    TokenCounts tokens;
};

// Gemini's answer carries no time: `created` (unix seconds) is the gateway's. What is not a
// GenerateContentResponse is an upstream_invalid_response naming `backend`.
std::variant<ChatCompletion, api::Error> translate_response(std::string_view body, std::int64_t created,
                                                            std::string_view backend);

}  // namespace infergate::transform::gemini
