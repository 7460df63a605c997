// The configuration as JSON (see config_json.hpp). One function per section, in the order
// and with the key names of docs/configuration.md.
#include "infergate/config/config_json.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace infergate::config {
namespace {

using Json = nlohmann::ordered_json;

std::string_view balancing_name(Balancing balancing) {
    switch (balancing) {
        case Balancing::weighted: return "weighted";
        case Balancing::least_outstanding: return "least_outstanding";
        case Balancing::prefix_affinity: return "prefix_affinity";
        case Balancing::p2c_ewma: break;
    }
    return "p2c_ewma";
}

// Budgets are micro-USD; the config writes USD. A double prints them exactly: at most 15
// significant digits, which a double's shortest round-trip form keeps.
double usd(std::int64_t micros) { return static_cast<double>(micros) / 1e6; }

std::string rfc3339_seconds(std::chrono::system_clock::time_point at) {
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

Json render_limits(const Limits& limits) {
    Json out = Json::object();
    auto count = [&](const char* name, std::int64_t value) {
        if (value != 0) out[name] = value;
    };
    auto budget = [&](const char* name, std::int64_t value) {
        if (value != 0) out[name] = usd(value);
    };
    count("requests_per_minute", limits.requests_per_minute);
    count("requests_per_day", limits.requests_per_day);
    count("tokens_per_minute", limits.tokens_per_minute);
    count("tokens_per_day", limits.tokens_per_day);
    count("tokens_per_week", limits.tokens_per_week);
    count("tokens_per_month", limits.tokens_per_month);
    count("concurrency", limits.concurrency);
    count("max_stream_tokens", limits.max_stream_tokens);
    budget("budget_usd_per_day", limits.budget_micro_usd_per_day);
    budget("budget_usd_per_week", limits.budget_micro_usd_per_week);
    budget("budget_usd_per_month", limits.budget_micro_usd_per_month);
    out["mode"] = limits.mode == LimitMode::shadow ? "shadow" : "enforce";
    return out;
}

Json render_scope_limits(const ScopeLimits& limits) {
    Json out = render_limits(limits.all);
    if (!limits.per_model.empty()) {
        Json models = Json::object();
        for (const auto& [model, model_limits] : limits.per_model) models[model] = render_limits(model_limits);
        out["models"] = std::move(models);
    }
    return out;
}

Json render_cache_policy(const CachePolicy& cache) {
    return {{"enabled", cache.enabled},
            {"ttl", duration_text(cache.ttl)},
            {"share_across_tenants", cache.share_across_tenants}};
}

Json render_policy(const Policy& policy) {
    Json out = Json::object();
    if (!policy.defaults.empty()) out["defaults"] = policy.defaults;
    if (!policy.overrides.empty()) out["overrides"] = policy.overrides;
    if (policy.max_tokens_cap != 0) out["max_tokens_cap"] = policy.max_tokens_cap;
    if (policy.max_prompt_tokens != 0) out["max_prompt_tokens"] = policy.max_prompt_tokens;
    if (!policy.system_prompts.empty()) {
        const SystemPrompt& prompt = policy.system_prompts.front();
        static constexpr const char* kModes[] = {"prepend", "replace", "if_missing"};
        out["system_prompt"] = {{"text", prompt.text}, {"mode", kModes[static_cast<int>(prompt.mode)]}};
    }
    if (!policy.add_headers.empty() || !policy.remove_headers.empty()) {
        Json add = Json::object();
        // A header added upstream may carry a token: its value is shown as a fingerprint.
        for (const auto& [name, value] : policy.add_headers) add[name] = Secret(value).redacted();
        out["headers"] = {{"add", std::move(add)}, {"remove", policy.remove_headers}};
    }
    // Compiled patterns keep no source text: how many there are is what can be shown.
    if (!policy.deny.empty()) out["deny_patterns"] = policy.deny.size();
    if (!policy.redact.empty()) {
        Json redact = Json::array();
        static constexpr const char* kBuiltins[] = {"pattern", "email", "credit_card", "ipv4"};
        for (const RedactRule& rule : policy.redact) {
            redact.push_back({{"builtin", kBuiltins[static_cast<int>(rule.builtin)]}, {"replacement", rule.replacement}});
        }
        out["redact"] = std::move(redact);
    }
    return out;
}

Json render_failure_match(const FailureMatch& match) {
    Json on = Json::array();
    if (match.connect_error) on.push_back("connect_error");
    if (match.reset) on.push_back("reset");
    if (match.timeout) on.push_back("timeout");
    if (match.context_length) on.push_back("context_length");
    for (const unsigned status : match.statuses) {
        if (status == 0) {
            on.push_back("5xx");
        } else {
            on.push_back(status);
        }
    }
    return on;
}

Json render_server(const ServerSettings& server) {
    Json out{{"listen", fmt::format("{}:{}", server.listen_host, server.listen_port)},
             {"workers", server.workers},
             {"max_header_bytes", server.max_header_bytes},
             {"max_body_bytes", server.max_body_bytes},
             {"header_timeout", duration_text(server.header_timeout)},
             {"body_timeout", duration_text(server.body_timeout)},
             {"idle_timeout", duration_text(server.idle_timeout)},
             {"write_timeout", duration_text(server.write_timeout)},
             {"drain_timeout", duration_text(server.drain_timeout)},
             {"max_connections", server.max_connections},
             {"reserved_connections", server.reserved_connections}};
    if (server.cache) {
        out["cache"] = {{"max_bytes", server.cache->max_bytes}, {"max_entry_bytes", server.cache->max_entry_bytes}};
    }
    return out;
}

Json render_backend(const Backend& backend) {
    Json out{{"url", backend.url}, {"provider", provider_name(backend.provider)}};
    if (!backend.api_version.empty()) out["api_version"] = backend.api_version;
    if (backend.provider == Provider::anthropic) out["default_max_tokens"] = backend.default_max_tokens;
    if (!backend.api_key.empty()) out["api_key"] = backend.api_key.redacted();
    if (!backend.api_keys.empty()) {
        Json keys = Json::array();
        for (const WeightedKey& key : backend.api_keys) keys.push_back({{"key", key.key.redacted()}, {"weight", key.weight}});
        out["api_keys"] = std::move(keys);
    }
    out["tls"] = {{"ca_file", backend.tls_settings.ca_file},
                  {"insecure_skip_verify", backend.tls_settings.insecure_skip_verify}};
    out["timeouts"] = {{"connect", duration_text(backend.timeouts.connect)},
                       {"first_byte", duration_text(backend.timeouts.first_byte)},
                       {"idle", duration_text(backend.timeouts.idle)},
                       {"total", duration_text(backend.timeouts.total)}};
    out["pool"] = {{"max_connections", backend.pool.max_connections},
                   {"idle_timeout", duration_text(backend.pool.idle_timeout)},
                   {"acquire_timeout", duration_text(backend.pool.acquire_timeout)}};
    out["max_response_bytes"] = backend.max_response_bytes;
    out["max_event_bytes"] = backend.max_event_bytes;
    out["max_concurrency"] = backend.admission.max_concurrency;
    out["queue"] = {{"max_waiting", backend.admission.max_queue}, {"max_wait", duration_text(backend.admission.max_wait)}};
    const OutlierDetection& outlier = backend.outlier;
    out["outlier_detection"] = {{"consecutive_failures", outlier.consecutive_failures},
                                {"error_rate", outlier.error_rate},
                                {"min_requests", outlier.min_requests},
                                {"window", duration_text(outlier.window)},
                                {"base_ejection", duration_text(outlier.base_ejection)},
                                {"max_ejection", duration_text(outlier.max_ejection)}};
    const HealthCheck& check = backend.health_check;
    out["health_check"] = {{"enabled", check.enabled},
                           {"path", check.path},
                           {"interval", duration_text(check.interval)},
                           {"timeout", duration_text(check.timeout)},
                           {"unhealthy_threshold", check.unhealthy_threshold},
                           {"healthy_threshold", check.healthy_threshold}};
    return out;
}

Json render_model(const Model& model) {
    if (!model.alias_of.empty()) return {{"alias", model.alias_of}};
    Json targets = Json::array();
    for (const Target& target : model.targets) {
        Json entry{{"backend", target.backend}};
        if (!target.model.empty()) entry["model"] = target.model;
        entry["weight"] = target.weight;
        targets.push_back(std::move(entry));
    }
    Json out{{"targets", std::move(targets)},
             {"strategy", balancing_name(model.balancing)},
             {"affinity_window", model.affinity_window},
             {"retry",
              {{"attempts", model.retry.attempts},
               {"on", render_failure_match(model.retry.on)},
               {"backoff", {{"base", duration_text(model.retry.backoff_base)}, {"max", duration_text(model.retry.backoff_max)}}},
               {"budget", {{"ratio", model.retry.budget_ratio}, {"min_per_second", model.retry.budget_min_per_second}}}}}};
    if (!model.fallback.models.empty()) {
        out["fallbacks"] = {{"models", model.fallback.models}, {"on", render_failure_match(model.fallback.on)}};
    }
    if (model.first_token_timeout.count() > 0) out["first_token_timeout"] = duration_text(model.first_token_timeout);
    if (model.canary) {
        out["canary"] = {{"model", model.canary->model},
                         {"percent", model.canary->percent},
                         {"sticky_header", model.canary->sticky_header}};
    }
    const Pricing& price = model.pricing;
    out["pricing"] = {{"input_per_1m", usd(price.input)},
                      {"cached_input_per_1m", usd(price.cached_input < 0 ? price.input : price.cached_input)},
                      {"output_per_1m", usd(price.output)},
                      {"reasoning_per_1m", usd(price.reasoning < 0 ? price.output : price.reasoning)}};
    const TokenWeights& weights = model.token_weights;
    out["token_weights"] = {{"input", weights.input},
                            {"cached_input", weights.cached_input},
                            {"output", weights.output},
                            {"reasoning", weights.reasoning}};
    if (!model.policies.empty()) out["policies"] = render_policy(model.policies);
    if (model.cache) out["cache"] = render_cache_policy(*model.cache);
    return out;
}

Json render_auth(const AuthSettings& auth) {
    Json keys = Json::array();
    for (const ApiKey& key : auth.keys) {
        Json entry = render_key(key, /*with_sha256=*/false);
        entry["source"] = key.runtime ? "keys_file" : "config";
        keys.push_back(std::move(entry));
    }
    Json issuers = Json::array();
    for (const JwtIssuer& issuer : auth.jwt) {
        Json entry{{"name", issuer.name}, {"issuer", issuer.issuer}, {"audience", issuer.audiences}};
        if (!issuer.jwks_file.empty()) entry["jwks_file"] = issuer.jwks_file;
        if (!issuer.pem_file.empty()) entry["pem_file"] = issuer.pem_file;
        entry["tenant_claim"] = issuer.tenant_claim;
        entry["models_claim"] = issuer.models_claim;
        entry["leeway"] = duration_text(issuer.leeway);
        issuers.push_back(std::move(entry));
    }
    return {{"keys", std::move(keys)}, {"jwt", std::move(issuers)}, {"max_failures_per_minute", auth.max_failures_per_minute}};
}

Json render_rule(const RouteRule& rule) {
    Json match = Json::object();
    if (!rule.models.empty()) match["models"] = rule.models;
    if (!rule.headers.empty()) match["headers"] = rule.headers;
    if (!rule.keys.empty()) match["keys"] = rule.keys;
    if (!rule.tenants.empty()) match["tenants"] = rule.tenants;
    if (rule.stream) match["stream"] = *rule.stream;
    if (rule.min_prompt_tokens != 0) match["min_prompt_tokens"] = rule.min_prompt_tokens;
    return {{"name", rule.name}, {"match", std::move(match)}, {"model", rule.model}};
}

}  // namespace

std::string_view provider_name(Provider provider) {
    switch (provider) {
        case Provider::azure_openai: return "azure_openai";
        case Provider::anthropic: return "anthropic";
        case Provider::gemini: return "gemini";
        case Provider::openai: break;
    }
    return "openai";
}

std::string duration_text(Duration duration) {
    const auto ms = duration.count();
    if (ms != 0 && ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
    if (ms != 0 && ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
    return fmt::format("{}ms", ms);
}

Json render_key(const ApiKey& key, bool with_sha256) {
    static constexpr const char* kPriorities[] = {"low", "normal", "high"};
    Json out{{"id", key.id}};
    if (with_sha256) {
        std::string hex;
        for (const unsigned char byte : key.sha256) hex += fmt::format("{:02x}", byte);
        out["sha256"] = std::move(hex);
    }
    if (!key.tenant.empty()) out["tenant"] = key.tenant;
    if (!key.models.empty()) out["models"] = key.models;
    if (key.expires) out["expires"] = rfc3339_seconds(*key.expires);
    out["enabled"] = key.enabled;
    if (!key.labels.empty()) out["labels"] = key.labels;
    const Json limits = render_scope_limits(key.limits);
    if (key.limits.all.any() || !key.limits.per_model.empty() || key.limits.all.mode != LimitMode::enforce) {
        out["limits"] = limits;
    }
    out["priority"] = kPriorities[std::clamp(key.priority, 0, 2)];
    out["priority_header"] = key.priority_header;
    if (!key.policies.empty()) out["policies"] = render_policy(key.policies);
    if (key.cache) out["cache"] = render_cache_policy(*key.cache);
    return out;
}

Json render_config(const Config& config) {
    Json backends = Json::object();
    for (const auto& [name, backend] : config.backends) backends[name] = render_backend(backend);
    Json models = Json::object();
    for (const auto& [name, model] : config.models) models[name] = render_model(model);
    Json tenants = Json::object();
    for (const auto& [name, tenant] : config.tenants) {
        tenants[name] = {{"models", tenant.models}, {"limits", render_scope_limits(tenant.limits)}, {"share", tenant.share}};
    }
    Json rules = Json::array();
    for (const RouteRule& rule : config.rules) rules.push_back(render_rule(rule));
    static constexpr const char* kFormats[] = {"json", "text"};
    return {{"server", render_server(config.server)},
            {"log",
             {{"level", config.log.level},
              {"access_log", {{"format", kFormats[static_cast<int>(config.log.access_format)]}, {"path", config.log.access_path}}}}},
            {"backends", std::move(backends)},
            {"models", std::move(models)},
            {"tenants", std::move(tenants)},
            {"auth", render_auth(config.auth)},
            // The admin key's hash is left out: whether one is set is what matters here.
            {"admin", {{"key_configured", config.admin.key_sha256.has_value()}, {"keys_file", config.admin.keys_file}}},
            {"quota", {{"time_zone", config.quota.time_zone}, {"default_max_tokens", config.quota.default_max_tokens}}},
            {"routing", {{"rules", std::move(rules)}}}};
}

}  // namespace infergate::config
