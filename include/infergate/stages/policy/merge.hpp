// How a key's policies combine with the model's: the key may add and tighten, never loosen.
//   caps (max_tokens_cap, max_prompt_tokens)  the smaller one
//   deny, redact, system prompts              the model's, then the key's
//   defaults, overrides, added headers        both; the key's value wins for the same name
//   removed headers                           both
#pragma once

#include "infergate/config/policy.hpp"

namespace infergate::policy {

config::Policy merge(const config::Policy& model, const config::Policy& key);

}  // namespace infergate::policy
