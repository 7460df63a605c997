// Transform: turns the client's request into the chosen backend's wire format. For OpenAI-
// compatible backends that is the client's own bytes with the upstream model name spliced in.
#pragma once

#include "infergate/pipeline/stage.hpp"

namespace infergate::transform {

class TransformStage final : public pipeline::Stage {
public:
    std::string_view name() const noexcept override { return "transform"; }
    net::awaitable<pipeline::Outcome> on_request(pipeline::RequestContext& ctx) const override;
};

}  // namespace infergate::transform
