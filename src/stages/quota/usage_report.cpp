#include "infergate/stages/quota/usage_report.hpp"

#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/quota/rate_limit_headers.hpp"

namespace infergate::quota {
namespace {

using Json = nlohmann::ordered_json;

std::string_view unit_of(LimitKind kind) {
    switch (kind) {
        case LimitKind::requests_per_minute:
        case LimitKind::requests_per_day: return "requests";
        case LimitKind::tokens_per_minute:
        case LimitKind::tokens_per_day:
        case LimitKind::tokens_per_week:
        case LimitKind::tokens_per_month: return "tokens";
        case LimitKind::concurrency: return "requests_in_flight";
        case LimitKind::max_stream_tokens: return "tokens";
        case LimitKind::budget_per_day:
        case LimitKind::budget_per_week:
        case LimitKind::budget_per_month: return "usd";
    }
    return "";
}

// Budgets are kept in nano-USD; reports show dollars (to the micro-dollar).
Json amount(LimitKind kind, std::int64_t value) {
    if (!is_budget(kind)) return value;
    return std::round(static_cast<double>(value) / 1e3) / 1e6;
}

Json limit_entries(std::string_view scope, std::string_view name, const std::vector<LimitUsage>& usage) {
    Json entries = Json::array();
    for (const LimitUsage& entry : usage) {
        const double reset = std::chrono::duration<double>(entry.reset).count();
        entries.push_back({{"scope", scope},
                           {"name", name},
                           {"model", entry.model.empty() ? Json(nullptr) : Json(entry.model)},
                           {"limit", label(entry.kind)},
                           {"unit", unit_of(entry.kind)},
                           {"mode", entry.mode == config::LimitMode::shadow ? "shadow" : "enforce"},
                           {"max", amount(entry.kind, entry.limit)},
                           {"used", amount(entry.kind, entry.used)},
                           {"remaining", amount(entry.kind, std::max<std::int64_t>(entry.limit - entry.used, 0))},
                           {"resets_in_seconds", std::round(reset * 1000) / 1000}});
    }
    return entries;
}

net::awaitable<Json> scope_limits(QuotaStore& store, std::string_view scope, std::string_view name,
                                  const config::ScopeLimits& limits) {
    const std::string id = std::string(scope) + ":" + std::string(name);
    const std::vector<LimitUsage> usage = co_await store.usage(id, limits);
    co_return limit_entries(scope, name, usage);
}

void append(Json& into, const Json& more) {
    for (const auto& entry : more) into.push_back(entry);
}

Json nullable(std::string_view text) { return text.empty() ? Json(nullptr) : Json(text); }

}  // namespace

net::awaitable<std::string> render_caller_usage(const Snapshot& snapshot, const auth::Principal& caller) {
    Json limits = Json::array();
    if (snapshot.quota_store) {
        if (caller.key != nullptr) {
            const Json own = co_await scope_limits(*snapshot.quota_store, "key", caller.key->id, caller.key->limits);
            append(limits, own);
        }
        if (caller.tenant_config != nullptr) {
            const Json shared =
                co_await scope_limits(*snapshot.quota_store, "tenant", caller.tenant, caller.tenant_config->limits);
            append(limits, shared);
        }
    }
    const Json body{{"object", "usage"},
                    {"key_id", nullable(caller.key_id)},
                    {"tenant", nullable(caller.tenant)},
                    {"limits", std::move(limits)}};
    co_return body.dump();
}

net::awaitable<std::string> render_usage_report(const Snapshot& snapshot) {
    Json keys = Json::array();
    // API keys and certificate identities alike (co_await: a loop, not a callback).
    std::vector<const config::ApiKey*> identities;
    snapshot.config.auth.for_each_identity([&](const config::ApiKey& key) { identities.push_back(&key); });
    for (const config::ApiKey* identity : identities) {
        const config::ApiKey& key = *identity;
        Json totals = nullptr;
        if (const observability::KeyMetrics* metrics = snapshot.metrics_for(key.id, key.tenant)) {
            const observability::KeyMetrics& counters = *metrics;
            totals = {{"requests", counters.requests.Value()},
                      {"input_tokens", counters.input_tokens.Value()},
                      {"cached_input_tokens", counters.cached_input_tokens.Value()},
                      {"output_tokens", counters.output_tokens.Value()},
                      {"reasoning_tokens", counters.reasoning_tokens.Value()},
                      {"spend_usd", counters.spend_usd.Value()}};
        }
        Json entry{{"id", key.id},          {"tenant", nullable(key.tenant)}, {"enabled", key.enabled},
                   {"expired", key.expires && std::chrono::system_clock::now() >= *key.expires},
                   {"labels", key.labels}, {"totals", std::move(totals)},      {"limits", Json::array()}};
        if (snapshot.quota_store) {
            entry["limits"] = co_await scope_limits(*snapshot.quota_store, "key", key.id, key.limits);
        }
        keys.push_back(std::move(entry));
    }
    Json tenants = Json::array();
    for (const auto& [name, tenant] : snapshot.config.tenants) {
        Json entry{{"name", name}, {"limits", Json::array()}};
        if (snapshot.quota_store) {
            entry["limits"] = co_await scope_limits(*snapshot.quota_store, "tenant", name, tenant.limits);
        }
        tenants.push_back(std::move(entry));
    }
    const Json body{{"object", "usage_report"},
                    {"generation", snapshot.generation},
                    {"keys", std::move(keys)},
                    {"tenants", std::move(tenants)}};
    co_return body.dump();
}

}  // namespace infergate::quota
