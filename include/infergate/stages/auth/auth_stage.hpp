// Auth: who is calling, and may they use the model they asked for. First in the pipeline:
// nothing spends effort on an unauthenticated caller.
#pragma once

#include "infergate/pipeline/stage.hpp"

namespace infergate::auth {

class AuthStage final : public pipeline::Stage {
public:
    std::string_view name() const noexcept override { return "auth"; }
    // Auth off (no keys, no JWT issuers): everyone is anonymous. On: a valid key or token,
    // else 401; a model outside the caller's list answers 404, exactly like an unknown one.
    pipeline::Outcome on_request(pipeline::RequestContext& ctx) const override;
    // Per-caller accounting (requests, tokens by class, spend): a key's series, or those of a
    // token's issuer and tenant.
    void on_finish(pipeline::RequestContext& ctx, const pipeline::Completion& done) const noexcept override;
};

}  // namespace infergate::auth
