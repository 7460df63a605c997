#include "infergate/stages/quota/quota_stage.hpp"

#include <algorithm>
#include <array>

#include <spdlog/spdlog.h>

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/auth/key_registry.hpp"
#include "infergate/stages/quota/cost_model.hpp"
#include "infergate/stages/quota/rate_limit_headers.hpp"

namespace infergate::quota {
namespace {

// Roughly four bytes of JSON per prompt token: an estimate for the reservation only; the
// upstream's usage replaces it when the request ends.
constexpr std::int64_t kBytesPerToken = 4;

const config::Limits* limits_or_null(const config::Limits& limits) {
    return limits.any() ? &limits : nullptr;
}

const config::Limits* model_limits(const config::ScopeLimits& scope, std::string_view model) {
    const auto found = scope.per_model.find(model);
    return found == scope.per_model.end() ? nullptr : limits_or_null(found->second);
}

std::int64_t limit_of(const config::Limits& limits, LimitKind kind) {
    switch (kind) {
        case LimitKind::requests_per_minute: return limits.requests_per_minute;
        case LimitKind::requests_per_day: return limits.requests_per_day;
        case LimitKind::tokens_per_minute: return limits.tokens_per_minute;
        case LimitKind::tokens_per_day: return limits.tokens_per_day;
        case LimitKind::concurrency: return limits.concurrency;
        case LimitKind::budget_per_day: return limits.budget_micro_usd_per_day;
        case LimitKind::budget_per_month: return limits.budget_micro_usd_per_month;
        case LimitKind::tokens_per_week: return limits.tokens_per_week;
        case LimitKind::tokens_per_month: return limits.tokens_per_month;
        case LimitKind::budget_per_week: return limits.budget_micro_usd_per_week;
        case LimitKind::max_stream_tokens: return limits.max_stream_tokens;
    }
    return 0;
}

struct Scopes {
    std::array<ScopeCheck, 2> checks{};
    std::size_t count = 0;

    void add(const auth::QuotaScope& quota, const config::ScopeLimits& scope, std::string_view model) {
        const config::Limits* all = limits_or_null(scope.all);
        const config::Limits* per_model = model_limits(scope, model);
        if (all == nullptr && per_model == nullptr) return;
        checks[count++] = ScopeCheck{quota.id, model, all, per_model, quota.state.get()};
    }
    const config::Limits& refused_limits(const Refusal& refusal) const {
        for (std::size_t i = 0; i < count; ++i) {
            if (checks[i].scope != refusal.scope) continue;
            return refusal.per_model ? *checks[i].per_model : *checks[i].all;
        }
        return checks[0].all != nullptr ? *checks[0].all : *checks[0].per_model;
    }
};

std::string_view scope_kind(std::string_view scope) { return scope.substr(0, scope.find(':')); }

void count_rejection(observability::Metrics& metrics, const Refusal& refusal, std::string_view mode) {
    metrics.quota_rejections
        .Add({{"scope", std::string(scope_kind(refusal.scope))},
              {"limit", std::string(label(refusal.kind))},
              {"mode", std::string(mode)}})
        .Increment();
}

// The tightest cap of each mode among the key's and the tenant's limits (all, and per model).
void pick_stream_caps(pipeline::RequestContext& ctx, std::string_view model) {
    const auth::Principal& principal = ctx.principal;
    auto offer = [&](const config::ScopeLimits& scope, std::string_view kind, std::string_view name) {
        const config::Limits* per_model = model_limits(scope, model);
        for (const config::Limits* limits : {&scope.all, per_model}) {
            if (limits == nullptr || limits->max_stream_tokens == 0) continue;
            auto& cap = limits->mode == config::LimitMode::shadow ? ctx.shadow_stream_cap : ctx.stream_cap;
            if (cap.limit != 0 && cap.limit <= limits->max_stream_tokens) continue;
            cap = {limits->max_stream_tokens, kind, name, limits == per_model};
        }
    };
    if (principal.key != nullptr) offer(principal.key->limits, "key", principal.key_id);
    if (principal.tenant_config != nullptr) offer(principal.tenant_config->limits, "tenant", principal.tenant);
}

Refusal cap_refusal(const pipeline::RequestContext::StreamCap& cap) {
    Refusal refusal;
    refusal.scope = std::string(cap.scope) + ":" + std::string(cap.name);
    refusal.per_model = cap.per_model;
    refusal.kind = LimitKind::max_stream_tokens;
    refusal.never_fits = true;
    return refusal;
}

}  // namespace

std::int64_t estimate_prompt_tokens(std::string_view body) noexcept {
    return static_cast<std::int64_t>(body.size()) / kBytesPerToken + 1;
}

bool stream_cap_exceeded(pipeline::RequestContext& ctx, std::int64_t relayed) {
    if (ctx.shadow_stream_cap.limit != 0 && relayed == ctx.shadow_stream_cap.limit + 1) {
        count_rejection(ctx.snapshot.metrics, cap_refusal(ctx.shadow_stream_cap), "shadow");
        spdlog::info("request {}: stream would be cut after {} tokens by {} '{}' (shadow mode)", ctx.request_id,
                     ctx.shadow_stream_cap.limit, ctx.shadow_stream_cap.scope, ctx.shadow_stream_cap.name);
    }
    if (ctx.stream_cap.limit == 0 || relayed <= ctx.stream_cap.limit) return false;
    count_rejection(ctx.snapshot.metrics, cap_refusal(ctx.stream_cap), "enforce");
    return true;
}

api::Error stream_cap_error(const pipeline::RequestContext& ctx) {
    const auto& cap = ctx.stream_cap;
    api::Error error = api::rate_limited(fmt::format(
        "This stream was ended after {} tokens: the limit of {} '{}'{} on tokens in one stream.", cap.limit,
        cap.scope, cap.name, cap.per_model ? fmt::format(" for model '{}'", ctx.request.model) : std::string()));
    error.code = "max_stream_tokens_exceeded";
    return error;
}

namespace {

// What a request asks of the quota store: its scopes and its reservation.
struct Request {
    Scopes scopes;
    Amount reserve;
    std::span<const ScopeCheck> checks() const { return {scopes.checks.data(), scopes.count}; }
};

// Fills `request`; false when nothing limits this request (counting tokens, or no limited scope).
bool quota_request(pipeline::RequestContext& ctx, Request& request) {
    // Counting tokens is answered by the gateway itself: nothing is spent.
    if (ctx.endpoint == api::Endpoint::messages_count_tokens) return false;
    // Limits and prices are those of the model that serves (routing resolved aliases, rules
    // and canaries); a fallback later is billed at the reservation's rate, settled at its own.
    const config::Model& model = *ctx.route->settings;
    const std::string_view model_name = ctx.route->model;
    const auth::Principal& principal = ctx.principal;

    if (principal.key != nullptr) request.scopes.add(*principal.key_quota, principal.key->limits, model_name);
    if (principal.tenant_config != nullptr) {
        request.scopes.add(*principal.tenant_quota, principal.tenant_config->limits, model_name);
    }
    if (request.scopes.count == 0) return false;

    ctx.prompt_estimate = estimate_prompt_tokens(ctx.body);
    TokenCounts estimate;
    estimate.input = ctx.prompt_estimate;
    // Each of the n choices may generate max_tokens.
    const std::int64_t per_choice =
        ctx.request.max_tokens.value_or(ctx.snapshot.config.quota.default_max_tokens);
    estimate.output = static_cast<std::int64_t>(
        std::min<__int128>(static_cast<__int128>(per_choice) * ctx.request.choices, kMaxAmount));
    request.reserve.tokens = weighted_tokens(estimate, model.token_weights);
    request.reserve.nano_usd = cost_nano_usd(estimate, model.pricing);
    return true;
}

// The store's answer (in ctx.admission) becomes headers, shadow-mode reports and the verdict.
pipeline::Outcome apply(pipeline::RequestContext& ctx, const Request& request) {
    const Admission& admission = ctx.admission;
    const Snapshot& snapshot = ctx.snapshot;
    const std::string_view model_name = ctx.route->model;
    ctx.response_headers.reserve(256);  // six header lines: one allocation, not several
    append_rate_limit_headers(ctx.response_headers, admission);
    for (const Refusal& shadow : admission.shadow) {
        count_rejection(snapshot.metrics, shadow, "shadow");
        spdlog::info("request {}: would be refused by {} on {} (shadow mode)", ctx.request_id, shadow.scope,
                     label(shadow.kind));
    }
    if (const auto& refusal = admission.refusal) {
        count_rejection(snapshot.metrics, *refusal, "enforce");
        const std::int64_t limit = limit_of(request.scopes.refused_limits(*refusal), refusal->kind);
        std::string message = refusal_message(*refusal, model_name, limit);
        ctx.response_headers.append("Retry-After: ")
            .append(std::to_string(retry_after_seconds(refusal->retry_after)))
            .append("\r\n");
        const bool budget = is_budget(refusal->kind);
        return pipeline::Outcome::reject(budget ? api::budget_exhausted(std::move(message))
                                                : api::rate_limited(std::move(message)));
    }
    if (ctx.request.stream) pick_stream_caps(ctx, model_name);
    ctx.reserved = request.reserve;
    // Usage settles the reservation: the transform stage asks every stream for it.
    return pipeline::Outcome::next();
}

}  // namespace

pipeline::Outcome QuotaStage::on_request(pipeline::RequestContext& ctx) const {
    Request request;
    if (!quota_request(ctx, request)) return pipeline::Outcome::next();
    if (!ctx.snapshot.quota_store->try_admit_now(request.checks(), request.reserve, ctx.admission)) {
        return pipeline::Outcome::wait();  // the store needs I/O: on_request_async
    }
    return apply(ctx, request);
}

net::awaitable<pipeline::Outcome> QuotaStage::on_request_async(pipeline::RequestContext& ctx) const {
    Request request;
    if (!quota_request(ctx, request)) co_return pipeline::Outcome::next();
    ctx.admission = co_await ctx.snapshot.quota_store->admit(request.checks(), request.reserve);
    co_return apply(ctx, request);
}

void QuotaStage::on_finish(pipeline::RequestContext& ctx, const pipeline::Completion& done) const noexcept {
    if (!ctx.admission.ticket) return;
    TokenCounts used;
    if (done.usage) {
        used = classify(*done.usage);
    } else if (done.upstream_head_at) {
        // No usage (stream cut, client gone): the prompt was processed and every relayed
        // event carried about one token. Hanging up does not make a request free.
        used.input = ctx.prompt_estimate;
        used.output = done.events_relayed;
    }
    // Priced as the model that answered (a fallback's own prices).
    const config::Model& model = *ctx.route->settings;
    Amount amount;
    amount.tokens = weighted_tokens(used, model.token_weights);
    amount.nano_usd = cost_nano_usd(used, model.pricing);
    ctx.snapshot.quota_store->settle(ctx.admission, amount);
}

}  // namespace infergate::quota
