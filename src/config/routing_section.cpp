#include "routing_section.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "scalars.hpp"

namespace infergate::config {
namespace {

constexpr std::uint32_t kMaxWeight = 1'000'000;

// `on: [connect_error, reset, timeout, 429, 5xx, context_length]`
FailureMatch read_failure_match(const Context& ctx, const Field& field) {
    FailureMatch match{.connect_error = false, .reset = false, .timeout = false, .statuses = {},
                       .context_length = false};
    for (const Field& item : read_sequence(ctx, field)) {
        const auto text = read_text(ctx, item);
        if (!text) continue;
        const std::string& word = text->value;
        unsigned status = 0;
        const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), status);
        if (word == "connect_error") {
            match.connect_error = true;
        } else if (word == "reset") {
            match.reset = true;
        } else if (word == "timeout") {
            match.timeout = true;
        } else if (word == "context_length") {
            match.context_length = true;
        } else if (word == "5xx") {
            match.statuses.push_back(0);
        } else if (ec == std::errc{} && end == word.data() + word.size() && status >= 400 && status <= 599) {
            match.statuses.push_back(status);
        } else {
            ctx.error(item.value_at(), item.path,
                      "unknown failure " + text->show(word) +
                          " (expected connect_error, reset, timeout, context_length, 5xx or a status 400-599)");
        }
    }
    return match;
}

void read_retry(const Context& ctx, const Field& field, RetryPolicy& retry) {
    MapReader map{ctx, field};
    integer_into(ctx, map, "attempts", 1, 10, retry.attempts);
    if (const auto on = map.take("on")) retry.on = read_failure_match(ctx, *on);
    if (const auto backoff = map.take("backoff")) {
        MapReader times{ctx, *backoff};
        duration_into(ctx, times, "base", retry.backoff_base);
        duration_into(ctx, times, "max", retry.backoff_max);
        times.reject_unknown();
    }
    if (const auto budget = map.take("budget")) {
        MapReader budget_map{ctx, *budget};
        if (const auto ratio = budget_map.take("ratio")) {
            if (const auto value = read_number(ctx, *ratio, 1.0)) retry.budget_ratio = *value;
        }
        integer_into(ctx, budget_map, "min_per_second", 0, 100000, retry.budget_min_per_second);
        budget_map.reject_unknown();
    }
    map.reject_unknown();
}

std::vector<std::string> read_names(const Context& ctx, const Field& field) {
    std::vector<std::string> names;
    for (const Field& item : read_sequence(ctx, field)) {
        if (auto name = read_nonempty_string(ctx, item)) names.push_back(std::move(*name));
    }
    return names;
}

// `fallbacks: [a, b]` or `fallbacks: { models: [a, b], on: [...] }`
void read_fallbacks(const Context& ctx, const Field& field, FallbackPolicy& fallback) {
    if (field.node.IsSequence()) {
        fallback.models = read_names(ctx, field);
        return;
    }
    MapReader map{ctx, field};
    if (const auto models = map.require("models")) fallback.models = read_names(ctx, *models);
    if (const auto on = map.take("on")) fallback.on = read_failure_match(ctx, *on);
    map.reject_unknown();
}

void read_canary(const Context& ctx, const Field& field, Canary& canary) {
    MapReader map{ctx, field};
    if (const auto model = map.require("model")) {
        if (auto name = read_nonempty_string(ctx, *model)) canary.model = std::move(*name);
    }
    if (const auto percent = map.require("percent")) {
        if (const auto value = read_number(ctx, *percent, 100.0)) canary.percent = *value;
    }
    if (const auto header = map.take("sticky_header")) {
        if (auto name = read_nonempty_string(ctx, *header)) canary.sticky_header = std::move(*name);
    }
    map.reject_unknown();
}

}  // namespace

void read_model_routing(const Context& ctx, MapReader& map, Model& model) {
    if (const auto strategy = map.take("strategy")) {
        if (const auto index = read_choice(ctx, *strategy, "strategy",
                                           {"weighted", "least_outstanding", "p2c_ewma", "prefix_affinity"})) {
            model.balancing = static_cast<Balancing>(*index);
        }
    }
    size_into(ctx, map, "affinity_window", model.affinity_window);
    if (const auto retry = map.take("retry")) read_retry(ctx, *retry, model.retry);
    if (const auto fallbacks = map.take("fallbacks")) read_fallbacks(ctx, *fallbacks, model.fallback);
    duration_into(ctx, map, "first_token_timeout", model.first_token_timeout);
    if (const auto canary = map.take("canary")) read_canary(ctx, *canary, model.canary.emplace());
}

void read_backend_resilience(const Context& ctx, MapReader& map, Backend& backend) {
    integer_into(ctx, map, "max_concurrency", 0, 1'000'000, backend.admission.max_concurrency);
    if (const auto queue = map.take("queue")) {
        MapReader queue_map{ctx, *queue};
        integer_into(ctx, queue_map, "max_waiting", 0, 1'000'000, backend.admission.max_queue);
        duration_into(ctx, queue_map, "max_wait", backend.admission.max_wait);
        queue_map.reject_unknown();
    }
    if (const auto outlier = map.take("outlier_detection")) {
        MapReader o{ctx, *outlier};
        OutlierDetection& out = backend.outlier;
        integer_into(ctx, o, "consecutive_failures", 0, 1'000'000, out.consecutive_failures);
        if (const auto rate = o.take("error_rate")) {
            if (const auto value = read_number(ctx, *rate, 1.0)) out.error_rate = *value;
        }
        integer_into(ctx, o, "min_requests", 1, 1'000'000, out.min_requests);
        duration_into(ctx, o, "window", out.window);
        duration_into(ctx, o, "base_ejection", out.base_ejection);
        duration_into(ctx, o, "max_ejection", out.max_ejection);
        o.reject_unknown();
        if (out.max_ejection < out.base_ejection) {
            ctx.error(outlier->value_at(), outlier->path, "max_ejection must not be shorter than base_ejection");
        }
    }
    if (const auto check = map.take("health_check")) {
        MapReader h{ctx, *check};
        HealthCheck& out = backend.health_check;
        out.enabled = true;
        if (const auto path = h.take("path")) {
            if (auto text = read_nonempty_string(ctx, *path)) {
                if (text->front() != '/') {
                    ctx.error(path->value_at(), path->path, "must start with \"/\"");
                } else {
                    out.path = std::move(*text);
                }
            }
        }
        duration_into(ctx, h, "interval", out.interval);
        duration_into(ctx, h, "timeout", out.timeout);
        integer_into(ctx, h, "unhealthy_threshold", 1, 100, out.unhealthy_threshold);
        integer_into(ctx, h, "healthy_threshold", 1, 100, out.healthy_threshold);
        h.reject_unknown();
    }
    if (const auto keys = map.take("api_keys")) {
        if (!backend.api_key.empty()) {
            ctx.error(keys->key_at, keys->path, "give either api_key or api_keys, not both");
        }
        for (const Field& item : read_sequence(ctx, *keys)) {
            WeightedKey entry;
            if (item.node.IsScalar()) {
                // read_string never echoes the value, so a key cannot leak through an error.
                if (auto text = read_string(ctx, item)) entry.key = Secret{std::move(*text)};
            } else {
                MapReader k{ctx, item};
                if (const auto key = k.require("key")) {
                    if (auto text = read_string(ctx, *key)) entry.key = Secret{std::move(*text)};
                }
                integer_into(ctx, k, "weight", 1, kMaxWeight, entry.weight);
                k.reject_unknown();
            }
            if (entry.key.empty()) ctx.error(item.value_at(), item.path, "must not be empty");
            backend.api_keys.push_back(std::move(entry));
        }
    }
}

void read_routing(const Context& ctx, const Field& field, Config& config) {
    MapReader map{ctx, field};
    if (const auto rules = map.take("rules")) {
        for (const Field& item : read_sequence(ctx, *rules)) {
            RouteRule rule;
            rule.name = fmt::format("rules[{}]", config.rules.size());
            MapReader r{ctx, item};
            if (const auto name = r.take("name")) {
                if (auto text = read_nonempty_string(ctx, *name)) rule.name = std::move(*text);
            }
            if (const auto match = r.require("match")) {
                MapReader m{ctx, *match};
                if (const auto models = m.take("models")) rule.models = read_names(ctx, *models);
                if (const auto headers = m.take("headers")) {
                    MapReader h{ctx, *headers};
                    for (MapReader::Entry& entry : h.take_all()) {
                        std::string name = entry.key;
                        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                        if (auto value = read_string(ctx, entry.field)) rule.headers[name] = std::move(*value);
                    }
                }
                if (const auto keys = m.take("keys")) rule.keys = read_names(ctx, *keys);
                if (const auto tenants = m.take("tenants")) rule.tenants = read_names(ctx, *tenants);
                if (const auto stream = m.take("stream")) rule.stream = read_bool(ctx, *stream);
                integer_into(ctx, m, "min_prompt_tokens", 1, std::int64_t{1} << 40, rule.min_prompt_tokens);
                m.reject_unknown();
            }
            if (const auto model = r.require("model")) {
                if (auto name = read_nonempty_string(ctx, *model)) rule.model = std::move(*name);
            }
            r.reject_unknown();
            config.rules.push_back(std::move(rule));
        }
    }
    map.reject_unknown();
}

namespace {

// Where a reference was written, for the message: the model's own mapping (yaml-cpp nodes
// of a finished document are cheap to walk again).
Location model_at(const YAML::Node& root, std::string_view section, std::string_view name) {
    const YAML::Node node = root[std::string(section)][std::string(name)];
    return node ? location_of(node) : location_of(root);
}

bool serves(const Config& config, const std::string& name) {
    const auto found = config.models.find(name);
    return found != config.models.end() && found->second.alias_of.empty();
}

}  // namespace

void check_model_references(const Context& ctx, const YAML::Node& root, const Config& config) {
    for (const auto& [name, model] : config.models) {
        const std::string path = "models." + name;
        if (!model.alias_of.empty() && !serves(config, model.alias_of)) {
            ctx.error(model_at(root, "models", name), path + ".alias",
                      "\"" + model.alias_of + "\" is not a model with targets");
        }
        for (const std::string& fallback : model.fallback.models) {
            if (fallback == name) {
                ctx.error(model_at(root, "models", name), path + ".fallbacks", "a model cannot fall back to itself");
            } else if (!serves(config, fallback)) {
                ctx.error(model_at(root, "models", name), path + ".fallbacks",
                          "unknown model \"" + fallback + "\" (fallbacks name models with targets)");
            }
        }
        if (model.canary && !serves(config, model.canary->model)) {
            ctx.error(model_at(root, "models", name), path + ".canary.model",
                      "unknown model \"" + model.canary->model + "\"");
        }
    }
    for (std::size_t i = 0; i < config.rules.size(); ++i) {
        const RouteRule& rule = config.rules[i];
        if (!rule.model.empty() && !config.models.contains(rule.model)) {
            const YAML::Node node = root["routing"]["rules"][i];
            ctx.error(node ? location_of(node) : location_of(root), fmt::format("routing.rules[{}].model", i),
                      "unknown model \"" + rule.model + "\"");
        }
    }
}

}  // namespace infergate::config
