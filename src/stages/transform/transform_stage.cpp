#include "infergate/stages/transform/transform_stage.hpp"

#include "infergate/stages/routing/route_table.hpp"

namespace infergate::transform {

void prepare_upstream(pipeline::RequestContext& ctx) {
    const routing::RouteTarget& target = *ctx.target;
    const auto& backend = target.backend->settings();
    ctx.upstream.target.reserve(backend.base_path.size() + 24);
    ctx.upstream.target.assign(backend.base_path);
    ctx.upstream.target.append(api::upstream_path(ctx.endpoint));
    // An alias, a rule or a canary may have changed the model: compare with what the client sent.
    const std::string_view upstream_model = routing::upstream_model(*ctx.route, target, ctx.request.model);
    const bool renames = upstream_model != ctx.request.model;
    if (!renames && !ctx.inject_stream_usage) {
        ctx.upstream.body = ctx.body;  // the client's bytes, untouched
        return;
    }
    ctx.upstream.rewritten = renames ? api::replace_model(ctx.body, ctx.request.model_token, upstream_model)
                                     : ctx.body;
    if (ctx.inject_stream_usage) {
        // The quota stage needs the stream's usage; the relay hides that chunk again. The
        // body is a JSON object (the parse checked), so it has an opening brace.
        const std::size_t brace = ctx.upstream.rewritten.find('{');
        ctx.upstream.rewritten.insert(brace + 1, R"("stream_options":{"include_usage":true},)");
    }
    ctx.upstream.body = ctx.upstream.rewritten;
}

net::awaitable<pipeline::Outcome> TransformStage::on_request(pipeline::RequestContext& ctx) const {
    prepare_upstream(ctx);
    co_return pipeline::Outcome::next();
}

}  // namespace infergate::transform
