// An OpenAI chat completions request -> an Anthropic Messages request (POST /v1/messages):
//   system and developer messages    -> top-level `system`, wherever they stood, in order
//   user / assistant text and images -> content blocks (data: URLs as base64, http(s) as url)
//   assistant tool_calls             -> tool_use blocks (arguments parsed into `input`)
//   tool messages                    -> tool_result blocks in a user message
//   consecutive same-role messages   -> one message, as Anthropic requires
//   max_completion_tokens or max_tokens (else the configured default) -> max_tokens
//   stop -> stop_sequences; temperature (0..1 only), top_p, stream; user -> metadata.user_id
//   tools (function) -> tools with input_schema; tool_choice auto/none/required/function ->
//   auto/none/any/tool; parallel_tool_calls false -> disable_parallel_tool_use
//   Anthropic's own `thinking` and `top_k`, sent as extra fields, pass through, and so does a
//   content part's `cache_control` (prompt caching).
// What Anthropic cannot do is a 400, never silently dropped: n > 1, logprobs, response_format
// other than text, audio, legacy functions. Fields that only tune or label (seed, penalties,
// logit_bias, store, metadata, service_tier, ...) have no Anthropic form and are left out;
// a message's `name` and an assistant's earlier reasoning_content are left out too (thinking
// cannot be handed back without Anthropic's signature, which OpenAI's format does not carry).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"

namespace infergate::transform::anthropic {

inline constexpr std::string_view kMessagesPath = "/v1/messages";
inline constexpr std::string_view kVersionHeader = "anthropic-version";
inline constexpr std::string_view kApiVersion = "2023-06-01";
inline constexpr std::string_view kApiKeyHeader = "x-api-key";

struct RequestOptions {
    std::string_view upstream_model;     // replaces the client's `model`
    std::int64_t default_max_tokens = 4096;  // Anthropic requires max_tokens; OpenAI does not
};

struct MessagesRequest {
    std::string body;            // the Anthropic JSON
    bool stream = false;
    bool include_usage = false;  // the client's stream_options.include_usage (StreamOptions)
};

std::variant<MessagesRequest, api::Error> translate_request(std::string_view openai_body,
                                                            const RequestOptions& options);

}  // namespace infergate::transform::anthropic
