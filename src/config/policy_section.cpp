#include "policy_section.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "scalars.hpp"
#include "yaml_json.hpp"

namespace infergate::config {
namespace {

constexpr std::int64_t kMaxTokens = 100'000'000;

// Fields with a policy of their own, or that routing has already acted on: setting them from
// defaults/overrides would bypass that policy or desynchronise the route. Names that choose
// the upstream or its credential are refused in bodies anyway (api/openai_request.cpp).
constexpr std::array<std::string_view, 9> kReservedFields = {
    "model", "stream", "messages", "prompt", "input", "api_base", "base_url", "api_key", "extra_body"};

// Headers the gateway sets or strips itself: hop-by-hop, framing, routing and credentials.
constexpr std::array<std::string_view, 18> kGatewayHeaders = {
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade", "host", "content-length", "content-type", "expect",
    "accept-encoding", "authorization", "api-key", "x-api-key", "cookie"};

bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// A header name the policy may add or remove, lowercased; reports and returns nullopt if not.
std::optional<std::string> header_name(const Context& ctx, const Field& field, const std::string& name) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
        ctx.error(field.key_at, field.path, "not a valid header name");
        return std::nullopt;
    }
    std::string lower = lowercase(name);
    if (std::find(kGatewayHeaders.begin(), kGatewayHeaders.end(), lower) != kGatewayHeaders.end() ||
        lower == "x-request-id") {
        ctx.error(field.key_at, field.path, "\"" + name + "\" is set or stripped by the gateway itself");
        return std::nullopt;
    }
    return lower;
}

void read_headers(const Context& ctx, const Field& field, Policy& policy) {
    MapReader map{ctx, field};
    if (const auto add = map.take("add")) {
        MapReader add_map{ctx, *add};
        for (MapReader::Entry& entry : add_map.take_all()) {
            auto name = header_name(ctx, entry.field, entry.key);
            auto value = read_string(ctx, entry.field);  // may hold a token: never quoted
            if (!name || !value) continue;
            if (value->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
                ctx.error(entry.field.value_at(), entry.field.path, "header values must not contain CR, LF or NUL");
                continue;
            }
            policy.add_headers.emplace_back(std::move(*name), std::move(*value));
        }
    }
    if (const auto remove = map.take("remove")) {
        for (const Field& item : read_sequence(ctx, *remove)) {
            const auto text = read_string(ctx, item);
            if (!text) continue;
            if (auto name = header_name(ctx, item, *text)) policy.remove_headers.push_back(std::move(*name));
        }
    }
    map.reject_unknown();
}

// Bad patterns fail the load, never a request. The message quotes the library's reason only.
PatternPtr compile_pattern(const Context& ctx, const Field& field) {
    const auto text = read_nonempty_string(ctx, field);
    if (!text) return nullptr;
    try {
        return std::make_shared<const std::regex>(
            *text, std::regex::ECMAScript | std::regex::optimize | std::regex_constants::__polynomial);
    } catch (const std::regex_error& error) {
        ctx.error(field.value_at(), field.path, std::string("invalid regular expression: ") + error.what());
        return nullptr;
    }
}

std::string default_replacement(BuiltinPattern builtin) {
    switch (builtin) {
        case BuiltinPattern::email: return "[EMAIL]";
        case BuiltinPattern::credit_card: return "[CARD]";
        case BuiltinPattern::ipv4: return "[IP]";
        case BuiltinPattern::none: break;
    }
    return "[REDACTED]";
}

std::optional<BuiltinPattern> read_builtin(const Context& ctx, const Field& field) {
    const auto index = read_choice(ctx, field, "built-in pattern", {"email", "credit_card", "ipv4"});
    if (!index) return std::nullopt;
    return static_cast<BuiltinPattern>(*index + 1);
}

// An item is a built-in name ("- email") or {builtin | pattern, replacement}.
void read_redact_rule(const Context& ctx, const Field& item, Policy& policy) {
    RedactRule rule;
    std::optional<std::string> replacement;
    bool ok = true;
    if (item.node.IsScalar()) {
        const auto builtin = read_builtin(ctx, item);
        ok = builtin.has_value();
        rule.builtin = builtin.value_or(BuiltinPattern::none);
    } else {
        MapReader map{ctx, item};
        const auto builtin = map.take("builtin");
        const auto pattern = map.take("pattern");
        if (builtin.has_value() == pattern.has_value()) {
            ctx.error(item.value_at(), item.path, "needs exactly one of builtin or pattern");
            ok = false;
        } else if (builtin) {
            const auto which = read_builtin(ctx, *builtin);
            ok = which.has_value();
            rule.builtin = which.value_or(BuiltinPattern::none);
        } else {
            rule.pattern = compile_pattern(ctx, *pattern);
            ok = rule.pattern != nullptr;
        }
        if (const auto field = map.take("replacement")) replacement = read_string(ctx, *field);
        map.reject_unknown();
    }
    if (!ok) return;
    rule.replacement = replacement.value_or(default_replacement(rule.builtin));
    policy.redact.push_back(std::move(rule));
}

void read_system_prompt(const Context& ctx, const Field& field, Policy& policy) {
    SystemPrompt prompt;
    MapReader map{ctx, field};
    if (const auto text = map.require("text")) {
        if (auto value = read_nonempty_string(ctx, *text)) prompt.text = std::move(*value);
    }
    if (const auto mode = map.take("mode")) {
        if (const auto index = read_choice(ctx, *mode, "mode", {"prepend", "replace", "if_missing"})) {
            prompt.mode = static_cast<SystemPromptMode>(*index);
        }
    }
    map.reject_unknown();
    if (!prompt.text.empty()) policy.system_prompts.push_back(std::move(prompt));
}

void read_fields(const Context& ctx, const Field& field, nlohmann::ordered_json& out) {
    MapReader map{ctx, field};
    for (MapReader::Entry& entry : map.take_all()) {
        if (std::find(kReservedFields.begin(), kReservedFields.end(), entry.key) != kReservedFields.end()) {
            ctx.error(entry.field.key_at, entry.field.path, "\"" + entry.key + "\" cannot be set by a policy");
            continue;
        }
        if (auto value = read_json_value(ctx, entry.field)) out[entry.key] = std::move(*value);
    }
}

}  // namespace

void read_policy(const Context& ctx, const Field& field, Policy& policy) {
    MapReader map{ctx, field};
    if (const auto defaults = map.take("defaults")) read_fields(ctx, *defaults, policy.defaults);
    if (const auto overrides = map.take("overrides")) read_fields(ctx, *overrides, policy.overrides);
    integer_into(ctx, map, "max_tokens_cap", 1, kMaxTokens, policy.max_tokens_cap);
    integer_into(ctx, map, "max_prompt_tokens", 1, kMaxTokens, policy.max_prompt_tokens);
    if (const auto prompt = map.take("system_prompt")) read_system_prompt(ctx, *prompt, policy);
    if (const auto headers = map.take("headers")) read_headers(ctx, *headers, policy);
    if (const auto deny = map.take("deny")) {
        for (const Field& item : read_sequence(ctx, *deny)) {
            if (PatternPtr pattern = compile_pattern(ctx, item)) policy.deny.push_back(std::move(pattern));
        }
    }
    if (const auto redact = map.take("redact")) {
        for (const Field& item : read_sequence(ctx, *redact)) read_redact_rule(ctx, item, policy);
    }
    map.reject_unknown();
}

}  // namespace infergate::config
