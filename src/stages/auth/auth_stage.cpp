#include "infergate/stages/auth/auth_stage.hpp"

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/auth/authenticator.hpp"
#include "infergate/stages/quota/cost_model.hpp"
#include "infergate/stages/routing/route_table.hpp"

namespace infergate::auth {

pipeline::Outcome AuthStage::on_request(pipeline::RequestContext& ctx) const {
    if (!ctx.snapshot.config.auth.enabled()) return pipeline::Outcome::next();
    AuthVerdict verdict = authenticate_client(ctx.headers, ctx.client_address, ctx.snapshot,
                                              std::chrono::system_clock::now(), ctx.peer_certificate,
                                              ctx.key_memo);
    if (auto* error = std::get_if<api::Error>(&verdict.result)) {
        ctx.response_headers.append(verdict.response_headers);
        ctx.credential_fingerprint = std::move(verdict.fingerprint);
        return pipeline::Outcome::reject(std::move(*error));
    }
    ctx.principal = std::move(std::get<Principal>(verdict.result));
    if (!ctx.principal.may_use(ctx.request.model)) {
        return pipeline::Outcome::reject(api::model_not_found(ctx.request.model));
    }
    return pipeline::Outcome::next();
}

void AuthStage::on_finish(pipeline::RequestContext& ctx, const pipeline::Completion& done) const noexcept {
    if (ctx.principal.metrics == nullptr) return;  // anonymous
    observability::KeyMetrics& key = *ctx.principal.metrics;
    key.requests.Increment();
    if (!done.usage) return;
    const quota::TokenCounts counts = quota::classify(*done.usage);
    // Each increment is a compare-and-swap loop on a double; most answers have no cached or
    // reasoning tokens, so zeros are skipped.
    const auto add = [](prometheus::Counter& counter, std::int64_t tokens) {
        if (tokens > 0) counter.Increment(static_cast<double>(tokens));
    };
    add(key.input_tokens, counts.input);
    add(key.cached_input_tokens, counts.cached_input);
    add(key.output_tokens, counts.output);
    add(key.reasoning_tokens, counts.reasoning);
    if (ctx.route != nullptr) {  // priced as the model that answered
        key.spend_usd.Increment(static_cast<double>(quota::cost_nano_usd(counts, ctx.route->settings->pricing)) / 1e9);
    }
}

}  // namespace infergate::auth
