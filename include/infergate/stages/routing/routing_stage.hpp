// Routing: picks the target (backend + upstream model name) that will serve the request.
#pragma once

#include "infergate/pipeline/stage.hpp"

namespace infergate::routing {

class RoutingStage final : public pipeline::Stage {
public:
    std::string_view name() const noexcept override { return "routing"; }
    // Unknown model -> 404 model_not_found. Several targets are taken in turn.
    net::awaitable<pipeline::Outcome> on_request(pipeline::RequestContext& ctx) const override;
};

}  // namespace infergate::routing
