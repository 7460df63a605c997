#include "infergate/stages/transform/transform_stage.hpp"

#include "infergate/stages/routing/route_table.hpp"

namespace infergate::transform {

net::awaitable<pipeline::Outcome> TransformStage::on_request(pipeline::RequestContext& ctx) const {
    const routing::RouteTarget& target = *ctx.target;
    const auto& backend = target.backend->settings();
    ctx.upstream.target.reserve(backend.base_path.size() + 24);
    ctx.upstream.target.assign(backend.base_path);
    ctx.upstream.target.append(api::upstream_path(ctx.endpoint));
    if (target.renames) {
        ctx.upstream.body =
            api::replace_model(ctx.body, ctx.request.model_token, target.upstream_model);
    } else {
        ctx.upstream.body = std::move(ctx.body);  // the client's bytes, untouched
    }
    if (ctx.inject_stream_usage) {
        // The quota stage needs the stream's usage; the relay hides that chunk again.
        const std::size_t brace = ctx.upstream.body.find('{');
        if (brace != std::string::npos) {
            ctx.upstream.body.insert(brace + 1, R"("stream_options":{"include_usage":true},)");
        } else {
            ctx.inject_stream_usage = false;
        }
    }
    // model_token pointed into the client body, which is gone or stale now.
    ctx.request.model_token = {};
    co_return pipeline::Outcome::next();
}

}  // namespace infergate::transform
