// Request policies of the serving model and the caller's key (config/policy.hpp, merged as
// merge.hpp says), applied in this order:
//   deny -> max_prompt_tokens -> redact -> system prompt -> defaults -> overrides ->
//   max_tokens_cap -> headers
// Refusals come first, before any work; redaction before the system prompt, so the operator's
// own text is never redacted; the cap after defaults and overrides, so neither can lift it.
// The body is parsed (once) only when a policy needs to look inside it, and re-serialised
// only when one changed it; then ctx.request is re-read from the new body.
#pragma once

#include "infergate/pipeline/stage.hpp"

namespace infergate::policy {

class PolicyStage final : public pipeline::Stage {
public:
    std::string_view name() const noexcept override { return "policy"; }
    pipeline::Outcome on_request(pipeline::RequestContext& ctx) const override;
};

}  // namespace infergate::policy
