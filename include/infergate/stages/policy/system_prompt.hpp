// system_prompt: the operator's system message, for chat completions only (a completions
// prompt has no roles to put it in).
#pragma once

#include "infergate/config/policy.hpp"
#include "infergate/stages/policy/prompt_text.hpp"

namespace infergate::policy {

// Returns whether `body` changed. System and developer messages both count as the client's
// system prompt (newer OpenAI models take "developer" instead of "system").
bool apply_system_prompt(Json& body, const config::SystemPrompt& prompt);
// The same for Anthropic's Messages API (/v1/messages), whose system prompt is the top-level
// `system`, a string or text blocks: the operator's text goes before it, instead of it, or
// where there is none.
bool apply_messages_system_prompt(Json& body, const config::SystemPrompt& prompt);

}  // namespace infergate::policy
