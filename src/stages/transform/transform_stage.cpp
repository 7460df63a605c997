#include "infergate/stages/transform/transform_stage.hpp"

#include <fmt/format.h>

#include "infergate/stages/routing/route_table.hpp"
#include "infergate/stages/transform/anthropic_request.hpp"
#include "infergate/stages/transform/azure_path.hpp"

namespace infergate::transform {
namespace {

using Wire = pipeline::UpstreamRequest::Wire;

// OpenAI-compatible servers and Azure OpenAI: the client's body, renamed where the route says.
void prepare_openai(pipeline::RequestContext& ctx, std::string_view upstream_model) {
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

// Anthropic's Messages API: a new body; the answer is translated back by the proxy.
void prepare_anthropic(pipeline::RequestContext& ctx, const config::Backend& backend,
                       std::string_view upstream_model) {
    if (ctx.endpoint != api::Endpoint::chat_completions) {
        ctx.upstream.error = api::invalid_request(
            fmt::format("Model '{}' is served by an Anthropic backend, which has no {} endpoint; only "
                        "/v1/chat/completions is available for it.",
                        ctx.request.model, api::upstream_path(ctx.endpoint)),
            {}, "unsupported_endpoint");
        return;
    }
    auto translated = anthropic::translate_request(
        ctx.body, {.upstream_model = upstream_model, .default_max_tokens = backend.default_max_tokens});
    if (auto* error = std::get_if<api::Error>(&translated)) {
        ctx.upstream.error = std::move(*error);
        return;
    }
    auto& request = std::get<anthropic::MessagesRequest>(translated);
    ctx.upstream.target.append(anthropic::kMessagesPath);
    ctx.upstream.rewritten = std::move(request.body);
    ctx.upstream.body = ctx.upstream.rewritten;
    ctx.upstream.wire = Wire::anthropic_messages;
    ctx.upstream.include_usage = request.include_usage;
}

}  // namespace

void prepare_upstream(pipeline::RequestContext& ctx) {
    const routing::RouteTarget& target = *ctx.target;
    const auto& backend = target.backend->settings();
    ctx.upstream.wire = Wire::openai;
    ctx.upstream.include_usage = false;
    ctx.upstream.error.reset();
    ctx.upstream.target.reserve(backend.base_path.size() + 24);
    ctx.upstream.target.assign(backend.base_path);
    // An alias, a rule or a canary may have changed the model: compare with what the client sent.
    const std::string_view upstream_model = routing::upstream_model(*ctx.route, target, ctx.request.model);
    switch (backend.provider) {
        case config::Provider::anthropic:
            prepare_anthropic(ctx, backend, upstream_model);
            return;
        case config::Provider::azure_openai:
            append_azure_path(ctx.upstream.target, ctx.endpoint, upstream_model, backend.api_version);
            break;
        default:
            ctx.upstream.target.append(api::upstream_path(ctx.endpoint));
            break;
    }
    prepare_openai(ctx, upstream_model);
}

net::awaitable<pipeline::Outcome> TransformStage::on_request(pipeline::RequestContext& ctx) const {
    prepare_upstream(ctx);
    if (ctx.upstream.error) co_return pipeline::Outcome::reject(*ctx.upstream.error);
    co_return pipeline::Outcome::next();
}

}  // namespace infergate::transform
