// system_prompt: the operator's system message, for chat completions only (a completions
// prompt has no roles to put it in).
#pragma once

#include "infergate/config/policy.hpp"
#include "infergate/stages/policy/prompt_text.hpp"

namespace infergate::policy {

// Returns whether `body` changed. System and developer messages both count as the client's
// system prompt (newer OpenAI models take "developer" instead of "system").
bool apply_system_prompt(Json& body, const config::SystemPrompt& prompt);

}  // namespace infergate::policy
