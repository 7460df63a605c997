// Reads what the data path needs from an OpenAI-format request body in one validating pass,
// and splices the upstream model name into the client's bytes (everything else passes as-is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/endpoint.hpp"
#include "infergate/api/error.hpp"

namespace infergate::api {

struct ProxyRequest {
    std::string model;                  // decoded
    std::string_view model_token;       // the raw JSON string token in the body, quotes included
    bool stream = false;
    bool include_usage = false;         // stream_options.include_usage
    bool has_stream_options = false;    // stream_options present (not null)
    std::optional<std::int64_t> max_tokens;  // max_tokens or max_completion_tokens
    std::int64_t choices = 1;                // n: each choice may generate max_tokens
    // The raw JSON value of what the model reads first: `messages` (chat), `prompt`
    // (completions) or `input` (embeddings), a view into the body; empty for other endpoints.
    // Requests that share it share a prompt prefix (the affinity key for prefix caching).
    std::string_view prompt_token;
};

inline constexpr std::size_t kMaxJsonDepth = 128;

// Validates the body as JSON (depth-limited, strict UTF-8) and the fields the gateway reads.
// Duplicate top-level keys are rejected: routing, billing and the upstream must never
// disagree about which "model" (or "stream") was meant.
// `n` and the token limits are integers of at least 1.
std::variant<ProxyRequest, Error> parse_proxy_request(std::string_view body, Endpoint endpoint);

// The body with `model_token` replaced by `upstream_model` (one allocation).
std::string replace_model(std::string_view body, std::string_view model_token,
                          std::string_view upstream_model);

}  // namespace infergate::api
