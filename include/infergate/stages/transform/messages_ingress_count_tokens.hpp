// POST /v1/messages/count_tokens: Anthropic counts with the model's tokenizer; the gateway has
// none, so it answers with the estimate its quota stage reserves for a prompt: one token per
// four bytes of the request body, plus one. Rough, but the same number the client is held to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"

namespace infergate::transform::messages_ingress {

inline constexpr std::string_view kCountTokensPath = "/v1/messages/count_tokens";

// The estimate for a body of any content (the quota stage's formula).
std::int64_t estimate_tokens(std::string_view anthropic_body) noexcept;

// The answer body, {"input_tokens":N}; a body that is not a JSON object with `model` and
// `messages` is a 400, as Anthropic's is.
std::variant<std::string, api::Error> count_tokens(std::string_view anthropic_body);

}  // namespace infergate::transform::messages_ingress
