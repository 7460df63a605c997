// defaults, overrides and max_tokens_cap: top-level fields of the request body.
#pragma once

#include <cstdint>

#include "infergate/stages/policy/prompt_text.hpp"

namespace infergate::policy {

// Sets each field the client left out (or sent as null). Returns whether `body` changed.
bool apply_defaults(Json& body, const Json& defaults);
// Sets each field, whatever the client sent. Returns whether `body` changed.
bool apply_overrides(Json& body, const Json& overrides);
// Clamps max_tokens and max_completion_tokens to `cap`; with neither, sets max_tokens (the
// name every OpenAI-compatible server knows) so the cap holds and quota reserves no more.
// Chat and completions only. Returns whether `body` changed.
bool apply_max_tokens_cap(Json& body, api::Endpoint endpoint, std::int64_t cap);

}  // namespace infergate::policy
