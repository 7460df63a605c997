// Transform: turns the client's request into the chosen backend's wire format. For OpenAI-
// compatible backends that is the client's own bytes with the upstream model name spliced in.
#pragma once

#include "infergate/pipeline/stage.hpp"

namespace infergate::transform {

// Builds ctx.upstream for ctx.target. The client's body stays as it was, so a retry or a
// fallback on another target builds its own request from it again; an unchanged body is sent
// from the client's buffer, uncopied.
void prepare_upstream(pipeline::RequestContext& ctx);

class TransformStage final : public pipeline::Stage {
public:
    std::string_view name() const noexcept override { return "transform"; }
    pipeline::Outcome on_request(pipeline::RequestContext& ctx) const override;
};

}  // namespace infergate::transform
