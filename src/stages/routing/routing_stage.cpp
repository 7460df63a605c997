#include "infergate/stages/routing/routing_stage.hpp"

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/routing/prompt_prefix.hpp"
#include "infergate/stages/routing/route_rules.hpp"
#include "infergate/stages/routing/target_picker.hpp"

namespace infergate::routing {

pipeline::Outcome RoutingStage::on_request(pipeline::RequestContext& ctx) const {
    const RouteTable& table = ctx.snapshot.routes;
    const RouteTable::Lookup named = table.lookup(ctx.request.model, ctx.request.stream);
    const Route* route = named.route;
    if (const CompiledRule* rule = first_matching_rule(table, ctx, named.rules)) {
        route = rule->route;
        ctx.routed_by = rule->rule->name;
    }
    if (route == nullptr) return pipeline::Outcome::reject(api::model_not_found(ctx.request.model));
    route = apply_canary(*route, ctx);
    ctx.route = route;
    if (route->settings->balancing == config::Balancing::prefix_affinity) {
        ctx.affinity_hash = prompt_prefix_hash(ctx.request.prompt_token, route->settings->affinity_window);
    }
    const auto now = std::chrono::steady_clock::now();
    auto choice = pick_target(*route, ctx.affinity_hash, 0, now);
    // Every target drained by the operator: the model's fallbacks serve, the first that can.
    for (std::size_t i = 0; !choice && i < route->fallbacks.size(); ++i) {
        choice = pick_target(*route->fallbacks[i], ctx.affinity_hash, 0, now);
        if (choice) ctx.route = route->fallbacks[i];
    }
    if (!choice) return pipeline::Outcome::reject(api::model_drained(route->model));
    ctx.target = choice->target;
    ctx.target_index = choice->index;
    return pipeline::Outcome::next();
}

}  // namespace infergate::routing
