// An OpenAI chat completions request -> a Gemini generateContent request (Generative Language
// API, POST generate_content_path() or, to stream, stream_generate_content_path()):
//   system and developer messages    -> systemInstruction.parts, wherever they stood, in order
//   user / assistant                 -> contents with role user / model
//   text and images                  -> text parts; data: URLs -> inlineData, http(s) URLs ->
//                                       fileData (mimeType from the file name when known)
//   assistant tool_calls             -> functionCall parts (arguments parsed into `args`)
//   tool messages                    -> functionResponse parts in a user turn, named after the
//                                       earlier tool call they answer; response {"content":...}
//   consecutive same-role turns      -> one content
//   generationConfig: max_completion_tokens or max_tokens -> maxOutputTokens, temperature,
//   top_p -> topP, stop -> stopSequences, n -> candidateCount, seed, presence/frequency_penalty,
//   response_format json_object / json_schema -> responseMimeType (+ responseSchema)
//   tools (function) -> tools[0].functionDeclarations; tool_choice auto/none/required/function
//   -> toolConfig.functionCallingConfig mode AUTO/NONE/ANY (+ allowedFunctionNames)
//   Gemini's own `top_k`, sent as an extra field, passes through as topK.
// What Gemini cannot do is a 400, never silently dropped: n > 1, logprobs, audio, legacy
// functions, predicted outputs. Fields that only label or tune what Gemini has no form for
// (logit_bias, store, metadata, user, service_tier, parallel_tool_calls, reasoning_effort, ...)
// are left out, and so are a message's `name` and an assistant's earlier reasoning_content.
// The model is not in the body: it is in the path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"

namespace infergate::transform::gemini {

inline constexpr std::string_view kApiKeyHeader = "x-goog-api-key";

// Whether `model` can stand in the path as it is: 1 to 128 letters, digits, '.', '-' or '_'
// (nothing that would end the segment or the path, such as '/', ':', '?', '%').
bool is_path_safe_model(std::string_view model);
// "/v1beta/models/{model}:generateContent"; nullopt for a model that is not path-safe.
std::optional<std::string> generate_content_path(std::string_view model);
// "/v1beta/models/{model}:streamGenerateContent?alt=sse" (SSE rather than one JSON array);
// nullopt for a model that is not path-safe.
std::optional<std::string> stream_generate_content_path(std::string_view model);

struct RequestOptions {
    std::int64_t default_max_tokens = 0;  // maxOutputTokens when the client sets none; 0: Gemini's own
};

struct GenerateRequest {
    std::string body;            // the Gemini JSON
    bool stream = false;         // post to stream_generate_content_path()
    bool include_usage = false;  // the client's stream_options.include_usage (StreamOptions)
};

std::variant<GenerateRequest, api::Error> translate_request(std::string_view openai_body,
                                                            const RequestOptions& options);

}  // namespace infergate::transform::gemini
