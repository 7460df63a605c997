// One merged policy applied to one request, without the pipeline: what PolicyStage runs, in
// its order (policy_stage.hpp), and what the unit tests drive.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "infergate/api/error.hpp"
#include "infergate/config/policy.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/pipeline/request_context.hpp"

namespace infergate::policy {

using ActionSink = std::function<void(observability::PolicyKind)>;

// Rewrites ctx.body (and re-reads ctx.request) if a policy changed it, and fills the
// upstream header slots. Returns the refusal, if any. `acted` hears each policy that acted.
std::optional<api::Error> apply_policy(const config::Policy& policy, pipeline::RequestContext& ctx,
                                       const ActionSink& acted);

// 400 context_length_exceeded, with both numbers.
api::Error prompt_too_long(std::int64_t estimate, std::int64_t limit, api::Endpoint endpoint);

}  // namespace infergate::policy
