// What the Gemini response and stream translations share: reading a GenerateContentResponse
// (a whole answer, or one chunk of a stream) with the allocation-free scanner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "infergate/api/error.hpp"
#include "infergate/json/scanner.hpp"
#include "upstream_json.hpp"

namespace infergate::transform::gemini {

// The top-level members that matter; each holds only when of the right kind.
struct Answer {
    std::optional<json::Member> candidates, prompt_feedback, usage, model_version, response_id, error;
};
// False when `body` is not a JSON object.
bool read_answer(std::string_view body, Answer& answer);

// What the first candidate says: its parts (an array) and finishReason (a string).
struct Candidate {
    std::optional<json::Member> parts, finish_reason;
};
// False when there is no candidate (an empty array); a malformed one reads as empty.
bool read_first_candidate(const json::Member& candidates, Candidate& candidate);

// One part: text (a thought when `thought` is true), or a whole function call, or something
// OpenAI's format cannot carry (inlineData, executableCode, a bare thoughtSignature).
struct Part {
    std::optional<json::Member> text;
    bool thought = false;
    std::optional<json::Member> function_name;  // functionCall.name
    std::string_view function_args = "{}";      // functionCall.args, a JSON object
    bool function_call = false;
    bool valid = true;                          // false: a functionCall without a name
};
Part read_part(std::string_view part_object);

// The id and model of the client's answer or chunks, as JSON string tokens: "chatcmpl-" +
// responseId, else one made from `created`; modelVersion, else `backend`.
std::string completion_id(const std::optional<json::Member>& response_id, std::int64_t created);
std::string completion_model(const std::optional<json::Member>& model_version, std::string_view backend);

// "call_<index>": Gemini's function calls have no ids, and OpenAI's need one the client can
// send back. Deterministic, so a retried answer reads the same.
std::string tool_call_id(std::uint32_t index);

// finishReason -> finish_reason: MAX_TOKENS -> length; SAFETY, RECITATION, BLOCKLIST,
// PROHIBITED_CONTENT, SPII, IMAGE_SAFETY -> content_filter; any other (STOP, a reason added
// later) -> stop; and tool_calls whenever the answer made function calls.
std::string_view finish_reason(const json::Member& reason, bool made_tool_calls);

// promptFeedback.blockReason, when the prompt itself was blocked.
std::optional<std::string> block_reason(const json::Member& prompt_feedback);
// 400 content_filter: the provider refused the prompt, naming why.
api::Error prompt_blocked(std::string_view reason);

}  // namespace infergate::transform::gemini
