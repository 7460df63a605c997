#include "infergate/pipeline/pipeline.hpp"

#include "infergate/stages/auth/auth_stage.hpp"
#include "infergate/stages/cache/cache_stage.hpp"
#include "infergate/stages/policy/policy_stage.hpp"
#include "infergate/stages/quota/quota_stage.hpp"
#include "infergate/stages/routing/routing_stage.hpp"
#include "infergate/stages/transform/transform_stage.hpp"

namespace infergate::pipeline {

net::awaitable<Outcome> Pipeline::run_request(RequestContext& ctx, std::size_t& entered) const {
    for (const StagePtr& stage : stages_) {
        ++entered;  // on_finish runs for these only
        Outcome outcome = stage->on_request(ctx);
        if (outcome.waits()) {
            Outcome waited = co_await stage->on_request_async(ctx);  // not in the if: GCC 12
            outcome = std::move(waited);
        }
        if (outcome.rejected() || outcome.responded()) co_return outcome;
    }
    co_return Outcome::next();
}

void Pipeline::finish(RequestContext& ctx, const Completion& done, std::size_t entered) const noexcept {
    for (std::size_t i = entered; i-- > 0;) stages_[i]->on_finish(ctx, done);
}

Pipeline make_pipeline() {
    std::vector<StagePtr> stages;
    // Auth first: nothing spends effort on an unauthenticated caller. Routing next: rules may
    // look at the principal, and quota prices and limits the model that will serve (an alias,
    // a rule or a canary may change it); routing refuses only unknown models, so a tenant over
    // budget is still refused while every backend is down. Policies sit between routing and
    // quota: they are the serving model's, and quota must reserve against the capped
    // max_tokens. Cache after quota: a hit counts against request-rate limits (its token
    // reservation is released uncharged), and its key needs the caller's scope, the routed
    // model and the body as policies left it. Transform last: it depends on the chosen
    // backend's wire format, and a hit needs none.
    stages.push_back(std::make_unique<auth::AuthStage>());
    stages.push_back(std::make_unique<routing::RoutingStage>());
    stages.push_back(std::make_unique<policy::PolicyStage>());
    stages.push_back(std::make_unique<quota::QuotaStage>());
    stages.push_back(std::make_unique<cache::CacheStage>());
    stages.push_back(std::make_unique<transform::TransformStage>());
    return Pipeline(std::move(stages));
}

}  // namespace infergate::pipeline
