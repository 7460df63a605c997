// Routing: decides which model serves the request and which of its targets the first attempt
// goes to. Precedence: the first routing rule that matches names the model; otherwise the
// requested name does. That name resolves to its own route, to the model it is an alias of,
// or to the "*" passthrough route. A canary of the resolved model then takes its share.
// Retries and fallbacks pick again later, through the same pick_target().
#pragma once

#include "infergate/pipeline/stage.hpp"

namespace infergate::routing {

class RoutingStage final : public pipeline::Stage {
public:
    std::string_view name() const noexcept override { return "routing"; }
    // Unknown model -> 404 model_not_found.
    pipeline::Outcome on_request(pipeline::RequestContext& ctx) const override;
};

}  // namespace infergate::routing
