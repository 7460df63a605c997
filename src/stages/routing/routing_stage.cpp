#include "infergate/stages/routing/routing_stage.hpp"

#include "infergate/config/snapshot.hpp"

namespace infergate::routing {

net::awaitable<pipeline::Outcome> RoutingStage::on_request(pipeline::RequestContext& ctx) const {
    const auto found = ctx.snapshot.routes.find(ctx.request.model);
    if (found == ctx.snapshot.routes.end()) {
        co_return pipeline::Outcome::reject(api::model_not_found(ctx.request.model));
    }
    const Route& route = *found->second;
    const std::size_t turn = route.next.fetch_add(1, std::memory_order_relaxed);
    ctx.route = &route;
    ctx.target = &route.targets[turn % route.targets.size()];
    co_return pipeline::Outcome::next();
}

}  // namespace infergate::routing
