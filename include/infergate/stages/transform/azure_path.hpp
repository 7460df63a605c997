// Azure OpenAI addresses a deployment, not a model:
//   /openai/deployments/{deployment}/chat/completions?api-version=2024-10-21
// The deployment is the target's upstream model name.
#pragma once

#include <string>
#include <string_view>

#include "infergate/api/endpoint.hpp"

namespace infergate::transform {

// Appends the path and query for `endpoint` of `deployment` to `target` (the backend's base
// path). The deployment is percent-encoded: a client's name passed through the "*" route
// cannot add path segments or query parameters.
void append_azure_path(std::string& target, api::Endpoint endpoint, std::string_view deployment,
                       std::string_view api_version);

}  // namespace infergate::transform
