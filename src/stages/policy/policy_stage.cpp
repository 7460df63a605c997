#include "infergate/stages/policy/policy_stage.hpp"

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/policy/apply.hpp"
#include "infergate/stages/policy/merge.hpp"

namespace infergate::policy {

pipeline::Outcome PolicyStage::on_request(pipeline::RequestContext& ctx) const {
    const config::Policy& model = ctx.route->settings->policies;
    const config::Policy* key = ctx.principal.key != nullptr ? &ctx.principal.key->policies : nullptr;
    const bool key_has = key != nullptr && !key->empty();
    if (model.empty() && !key_has) return pipeline::Outcome::next();  // the common path: no work

    // Merged per request only when both have policies; usually one side is empty.
    std::optional<config::Policy> merged;
    if (key_has && !model.empty()) merged = merge(model, *key);
    const config::Policy& policy = merged ? *merged : key_has ? *key : model;

    const auto found = ctx.snapshot.policy_metrics.find(ctx.route->model);
    observability::PolicyMetrics* metrics = found != ctx.snapshot.policy_metrics.end() ? found->second.get() : nullptr;
    auto acted = [metrics](observability::PolicyKind kind) {
        if (metrics != nullptr) metrics->count(kind);
    };
    std::optional<api::Error> refusal = apply_policy(policy, ctx, acted);
    if (refusal) return pipeline::Outcome::reject(std::move(*refusal));
    return pipeline::Outcome::next();
}

}  // namespace infergate::policy
