#include "infergate/stages/policy/apply.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "infergate/stages/policy/deny.hpp"
#include "infergate/stages/policy/redact.hpp"
#include "infergate/stages/policy/request_fields.hpp"
#include "infergate/stages/policy/system_prompt.hpp"
#include "infergate/stages/quota/quota_stage.hpp"

namespace infergate::policy {
namespace {

using observability::PolicyKind;

const char* prompt_field(api::Endpoint endpoint) {
    switch (endpoint) {
        case api::Endpoint::completions: return "prompt";
        case api::Endpoint::embeddings: return "input";
        default: return "messages";
    }
}

// The cap needs the body only when the parsed request does not already satisfy it. The
// request holds one limit (max_completion_tokens wins): with both names in the body, the
// other one may still be over the cap.
bool cap_needs_body(const config::Policy& policy, const pipeline::RequestContext& ctx) {
    if (policy.max_tokens_cap == 0) return false;
    const auto& limit = ctx.request.max_tokens;
    if (!limit || *limit > policy.max_tokens_cap) return true;
    return ctx.body.find("\"max_tokens\"") != std::string::npos &&
           ctx.body.find("\"max_completion_tokens\"") != std::string::npos;
}

void set_headers(const config::Policy& policy, pipeline::RequestContext& ctx) {
    for (const auto& [name, value] : policy.add_headers) {
        ctx.extra_upstream_headers.append(name).append(": ").append(value).append("\r\n");
        ctx.dropped_upstream_headers.push_back(name);
    }
    ctx.dropped_upstream_headers.insert(ctx.dropped_upstream_headers.end(), policy.remove_headers.begin(),
                                        policy.remove_headers.end());
}

}  // namespace

api::Error prompt_too_long(std::int64_t estimate, std::int64_t limit, api::Endpoint endpoint) {
    return api::invalid_request(
        fmt::format("This request's prompt is about {} tokens; the limit for this model is {}.", estimate, limit),
        prompt_field(endpoint), "context_length_exceeded");
}

std::optional<api::Error> apply_policy(const config::Policy& policy, pipeline::RequestContext& ctx,
                                       const ActionSink& acted) {
    const bool needs_body = !policy.deny.empty() || !policy.redact.empty() || !policy.system_prompts.empty() ||
                            !policy.defaults.empty() || !policy.overrides.empty() || cap_needs_body(policy, ctx);
    Json body;
    if (needs_body) {
        body = Json::parse(ctx.body, nullptr, /*allow_exceptions=*/false);
        if (body.is_discarded()) return api::internal_error();  // not reached: the parser validated it
    }
    if (matches_deny(body, ctx.endpoint, policy.deny)) {
        acted(PolicyKind::deny);
        return content_policy_error();
    }
    if (policy.max_prompt_tokens != 0) {
        const std::int64_t estimate = quota::estimate_prompt_tokens(ctx.body);
        if (estimate > policy.max_prompt_tokens) {
            acted(PolicyKind::max_prompt_tokens);
            return prompt_too_long(estimate, policy.max_prompt_tokens, ctx.endpoint);
        }
    }
    bool changed = false;
    auto step = [&](bool did, PolicyKind kind) {
        if (!did) return;
        changed = true;
        acted(kind);
    };
    step(redact(body, ctx.endpoint, policy.redact) > 0, PolicyKind::redact);
    if (ctx.endpoint == api::Endpoint::chat_completions || ctx.endpoint == api::Endpoint::messages) {
        bool injected = false;
        for (const config::SystemPrompt& prompt : policy.system_prompts) {
            injected |= ctx.endpoint == api::Endpoint::messages ? apply_messages_system_prompt(body, prompt)
                                                                : apply_system_prompt(body, prompt);
        }
        step(injected, PolicyKind::system_prompt);
    }
    step(needs_body && apply_defaults(body, policy.defaults), PolicyKind::defaults);
    step(needs_body && apply_overrides(body, policy.overrides), PolicyKind::overrides);
    step(needs_body && policy.max_tokens_cap != 0 && apply_max_tokens_cap(body, ctx.endpoint, policy.max_tokens_cap),
         PolicyKind::max_tokens_cap);
    if (!policy.add_headers.empty() || !policy.remove_headers.empty()) {
        set_headers(policy, ctx);
        acted(PolicyKind::headers);
    }
    if (!changed) return std::nullopt;

    ctx.body = body.dump();
    // The old request's views point into the replaced body: read it again from the new one.
    auto parsed = api::parse_proxy_request(ctx.body, ctx.endpoint);
    if (auto* error = std::get_if<api::Error>(&parsed)) {
        spdlog::error("request {}: the body rewritten by a policy is invalid: {}", ctx.request_id, error->message);
        return api::internal_error();
    }
    ctx.request = std::move(std::get<api::ProxyRequest>(parsed));
    return std::nullopt;
}

}  // namespace infergate::policy
