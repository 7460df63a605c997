#include "infergate/stages/routing/routing_stage.hpp"

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/routing/prompt_prefix.hpp"
#include "infergate/stages/routing/route_rules.hpp"
#include "infergate/stages/routing/target_picker.hpp"

namespace infergate::routing {

net::awaitable<pipeline::Outcome> RoutingStage::on_request(pipeline::RequestContext& ctx) const {
    const RouteTable& table = ctx.snapshot.routes;
    const RouteTable::Lookup named = table.lookup(ctx.request.model, ctx.request.stream);
    const Route* route = named.route;
    if (const CompiledRule* rule = first_matching_rule(table, ctx, named.rules)) {
        route = rule->route;
        ctx.routed_by = rule->rule->name;
    }
    if (route == nullptr) co_return pipeline::Outcome::reject(api::model_not_found(ctx.request.model));
    route = apply_canary(*route, ctx);
    ctx.route = route;
    if (route->settings->balancing == config::Balancing::prefix_affinity) {
        ctx.affinity_hash = prompt_prefix_hash(ctx.request.prompt_token, route->settings->affinity_window);
    }
    const auto choice = pick_target(*route, ctx.affinity_hash, 0, std::chrono::steady_clock::now());
    ctx.target = choice->target;  // a compiled route has at least one target
    ctx.target_index = choice->index;
    co_return pipeline::Outcome::next();
}

}  // namespace infergate::routing
