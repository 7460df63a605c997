// deny: a request whose prompt text matches any configured pattern is refused.
#pragma once

#include <vector>

#include "infergate/api/error.hpp"
#include "infergate/config/policy.hpp"
#include "infergate/stages/policy/prompt_text.hpp"

namespace infergate::policy {

bool matches_deny(Json& body, api::Endpoint endpoint, const std::vector<config::PatternPtr>& patterns);

// 400 content_policy. Quotes neither the pattern nor the text it matched: either would tell a
// prober exactly what to rephrase.
api::Error content_policy_error();

}  // namespace infergate::policy
