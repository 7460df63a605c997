#include "infergate/stages/transform/transform_stage.hpp"

#include <fmt/format.h>

#include "infergate/api/model_splice.hpp"
#include "infergate/stages/routing/route_table.hpp"
#include "infergate/stages/transform/anthropic_request.hpp"
#include "infergate/stages/transform/azure_path.hpp"
#include "infergate/stages/transform/gemini_request.hpp"
#include "infergate/stages/transform/messages_ingress_request.hpp"

namespace infergate::transform {
namespace {

using Wire = pipeline::UpstreamRequest::Wire;

// `body` (which must outlive the request: the client's, or `rewritten`) is sent as it is, or
// around a splice at its model's token (see api::splice_model): renamed, and/or `member` added.
void send_spliced(pipeline::UpstreamRequest& upstream, std::string_view body, std::string_view model_token,
                  std::optional<std::string_view> new_model, std::string_view member = {}) {
    if ((!new_model && member.empty()) || model_token.empty()) {
        upstream.body = body;
        return;
    }
    api::ModelSplice splice = api::splice_model(body, model_token, new_model, member);
    upstream.body = splice.before;
    upstream.splice = std::move(splice.middle);
    upstream.body_rest = splice.after;
}

// The upstream's name for the model if the route renames it.
std::optional<std::string_view> renamed(const pipeline::RequestContext& ctx, std::string_view upstream_model) {
    if (upstream_model == ctx.request.model) return std::nullopt;
    return upstream_model;
}

// OpenAI-compatible servers and Azure OpenAI: the client's body, renamed where the route says.
void prepare_openai(pipeline::RequestContext& ctx, std::string_view upstream_model) {
    // Every stream is asked for its usage: token metrics, the access log, quotas and budgets
    // all need it, and without it a stream's tokens are unknown. The relay hides that chunk
    // again from a client that did not ask (a stream_options object of its own is left alone).
    ctx.inject_stream_usage = ctx.request.stream && !ctx.request.include_usage && !ctx.request.has_stream_options &&
                              !ctx.request.model_token.empty();
    send_spliced(ctx.upstream, ctx.body, ctx.request.model_token, renamed(ctx, upstream_model),
                 ctx.inject_stream_usage ? std::string_view(R"(,"stream_options":{"include_usage":true})")
                                         : std::string_view());
}

api::Error unsupported_endpoint(const pipeline::RequestContext& ctx, std::string_view provider) {
    return api::invalid_request(fmt::format("Model '{}' is served by a {} backend, which has no {} endpoint "
                                            "through this gateway; use /v1/chat/completions.",
                                            ctx.request.model, provider, api::upstream_path(ctx.endpoint)),
                                {}, "unsupported_endpoint");
}

// Anthropic's Messages API: a new body; the answer is translated back by the proxy.
void prepare_anthropic(pipeline::RequestContext& ctx, const config::Backend& backend,
                       std::string_view upstream_model) {
    if (ctx.endpoint != api::Endpoint::chat_completions) {
        ctx.upstream.error = unsupported_endpoint(ctx, "Anthropic");
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
    ctx.upstream.wire = Wire::anthropic;
    ctx.upstream.include_usage = request.include_usage;
}

// Gemini's generateContent: the model is in the path, the body is new.
void prepare_gemini(pipeline::RequestContext& ctx, std::string_view upstream_model) {
    if (ctx.endpoint != api::Endpoint::chat_completions) {
        ctx.upstream.error = unsupported_endpoint(ctx, "Gemini");
        return;
    }
    auto translated = gemini::translate_request(ctx.body, {});
    if (auto* error = std::get_if<api::Error>(&translated)) {
        ctx.upstream.error = std::move(*error);
        return;
    }
    auto& request = std::get<gemini::GenerateRequest>(translated);
    const auto path = request.stream ? gemini::stream_generate_content_path(upstream_model)
                                     : gemini::generate_content_path(upstream_model);
    if (!path) {
        ctx.upstream.error = api::invalid_request(
            fmt::format("Model '{}' cannot be named in a Gemini URL (letters, digits, '.', '_' and '-' only).",
                        ctx.request.model),
            "model", "invalid_value");
        return;
    }
    ctx.upstream.target.append(*path);
    ctx.upstream.rewritten = std::move(request.body);
    ctx.upstream.body = ctx.upstream.rewritten;
    ctx.upstream.wire = Wire::gemini;
    ctx.upstream.include_usage = request.include_usage;
}

// A client of Anthropic's Messages API: relayed to an Anthropic backend as it is, translated
// for an OpenAI-compatible one.
void prepare_messages(pipeline::RequestContext& ctx, const config::Backend& backend,
                      std::string_view upstream_model) {
    const bool renames = upstream_model != ctx.request.model;
    if (backend.provider == config::Provider::anthropic) {
        ctx.upstream.target.append(messages_ingress::kMessagesPath);
        send_spliced(ctx.upstream, ctx.body, ctx.request.model_token, renamed(ctx, upstream_model));
        ctx.upstream.wire = Wire::messages_passthrough;
        return;
    }
    if (backend.provider == config::Provider::gemini) {
        ctx.upstream.error = unsupported_endpoint(ctx, "Gemini");
        return;
    }
    auto translated = messages_ingress::translate_request(ctx.body);
    if (auto* error = std::get_if<api::Error>(&translated)) {
        ctx.upstream.error = std::move(*error);
        return;
    }
    std::string& body = std::get<messages_ingress::ChatRequest>(translated).openai_body;
    if (backend.provider == config::Provider::azure_openai) {
        append_azure_path(ctx.upstream.target, api::Endpoint::chat_completions, upstream_model, backend.api_version);
    } else {
        ctx.upstream.target.append(api::upstream_path(api::Endpoint::chat_completions));
    }
    ctx.upstream.rewritten = std::move(body);
    ctx.upstream.body = ctx.upstream.rewritten;
    if (renames) {
        // The translated body names the client's model; find its token as the router did.
        auto parsed = api::parse_proxy_request(ctx.upstream.rewritten, api::Endpoint::chat_completions);
        if (auto* request = std::get_if<api::ProxyRequest>(&parsed)) {
            send_spliced(ctx.upstream, ctx.upstream.rewritten, request->model_token, upstream_model);
        }
    }
    ctx.upstream.wire = Wire::messages_to_openai;
}

}  // namespace

void prepare_upstream(pipeline::RequestContext& ctx) {
    const routing::RouteTarget& target = *ctx.target;
    const auto& backend = target.backend->settings();
    ctx.upstream.wire = Wire::openai;
    ctx.upstream.include_usage = false;
    ctx.upstream.error.reset();
    ctx.upstream.body = {};
    ctx.upstream.splice.clear();
    ctx.upstream.body_rest = {};
    ctx.inject_stream_usage = false;  // set by prepare_openai for this target, if it asks
    ctx.upstream.target.reserve(backend.base_path.size() + 24);
    ctx.upstream.target.assign(backend.base_path);
    // An alias, a rule or a canary may have changed the model: compare with what the client sent.
    const std::string_view upstream_model = routing::upstream_model(*ctx.route, target, ctx.request.model);
    if (ctx.endpoint == api::Endpoint::messages) {
        prepare_messages(ctx, backend, upstream_model);
        return;
    }
    switch (backend.provider) {
        case config::Provider::gemini:
            prepare_gemini(ctx, upstream_model);
            return;
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

pipeline::Outcome TransformStage::on_request(pipeline::RequestContext& ctx) const {
    if (ctx.endpoint == api::Endpoint::messages_count_tokens) return pipeline::Outcome::next();  // answered locally
    prepare_upstream(ctx);
    if (ctx.upstream.error) return pipeline::Outcome::reject(*ctx.upstream.error);
    return pipeline::Outcome::next();
}

}  // namespace infergate::transform
