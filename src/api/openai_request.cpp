#include "infergate/api/openai_request.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "infergate/api/model_splice.hpp"
#include "infergate/json/scanner.hpp"

namespace infergate::api {
namespace {

constexpr std::size_t kMaxModelNameBytes = 256;

const char* kind_name(json::Kind kind) {
    switch (kind) {
        case json::Kind::object: return "an object";
        case json::Kind::array: return "an array";
        case json::Kind::string: return "a string";
        case json::Kind::number: return "a number";
        case json::Kind::boolean: return "a boolean";
        case json::Kind::null: return "null";
    }
    return "a value";
}

Error wrong_type(std::string_view field, const char* expected, json::Kind got) {
    return invalid_request(
        fmt::format("Invalid type for '{}': expected {}, but got {}.", field, expected,
                    kind_name(got)),
        std::string(field), "invalid_type");
}

// Top-level fields the gateway reads; everything else is only validated and passed through.
enum Field : std::size_t { kModel, kStream, kStreamOptions, kMaxTokens, kMaxCompletionTokens,
                           kChoices, kMessages, kPrompt, kInput, kFieldCount };
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "model", "stream", "stream_options", "max_tokens", "max_completion_tokens",
    "n", "messages", "prompt", "input"};

// Names that would choose the upstream or its credential (LiteLLM's `api_base` SSRF,
// CVE-2024-6587, and its `base_url` / `*_endpoint` / `api_key` relatives). The upstream comes
// only from the config, so a body carrying one is refused rather than forwarded to a backend
// that might honour it. Compared case-insensitively, after unescaping.
// Runs on every top-level key: no allocation.
bool is_routing_override(std::string_view key) {
    auto same = [](std::string_view a, std::string_view lower) {
        return std::equal(a.begin(), a.end(), lower.begin(), lower.end(), [](char x, char y) {
            return std::tolower(static_cast<unsigned char>(x)) == y;
        });
    };
    if (same(key, "api_base") || same(key, "base_url") || same(key, "api_key")) return true;
    constexpr std::string_view kEndpoint = "endpoint";
    for (std::size_t at = 0; at + kEndpoint.size() <= key.size(); ++at) {
        if (same(key.substr(at, kEndpoint.size()), kEndpoint)) return true;
    }
    return false;
}

// Top-level fields whose contents some SDKs and proxies merge into the request's parameters:
// an override at any depth inside them is refused too. Elsewhere (a tool's parameter schema,
// a json_schema) the same names are the caller's own data.
bool is_merged_container(std::string_view key) { return key == "extra_body" || key == "metadata"; }

// A client-chosen name quoted in an error: cut short.
std::string quoted_name(std::string_view name) { return std::string(name.substr(0, 64)); }

// The first routing-override key at any depth of `value`, a validated JSON object or array.
std::optional<std::string> nested_override(std::string_view value) {
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '"') continue;
        const std::size_t start = i;
        for (++i; i < value.size() && value[i] != '"'; ++i) {
            if (value[i] == '\\') ++i;
        }
        if (i >= value.size()) break;  // not reached: the value was validated
        std::size_t next = i + 1;
        while (next < value.size() && std::isspace(static_cast<unsigned char>(value[next]))) ++next;
        if (next == value.size() || value[next] != ':') continue;  // a string value, not a key
        std::string key = json::decode_string(value.substr(start, i + 1 - start));
        if (is_routing_override(key)) return quoted_name(key);
    }
    return std::nullopt;
}

struct Collected {
    std::array<const json::Member*, kFieldCount> field{};
    std::array<json::Member, kFieldCount> storage{};
    std::optional<std::string> duplicate;
    // The first routing override seen: the top-level field it was in, and its own name.
    std::optional<std::pair<std::string, std::string>> routing_override;
    // Keys seen so far, for the duplicate check. Bodies have a handful of keys; a linear scan
    // beats hashing at that size, and the cap keeps a hostile body from making it quadratic.
    std::array<std::string_view, 64> keys{};
    std::size_t key_count = 0;
    std::size_t escaped_keys = 0;
};

std::optional<Error> check_integer(const json::Member* member, std::string_view field,
                                   std::int64_t min, std::optional<std::int64_t>& out) {
    if (member == nullptr || member->kind == json::Kind::null) return std::nullopt;
    if (member->kind != json::Kind::number) return wrong_type(field, "an integer", member->kind);
    const auto value = json::parse_integer(member->value);
    if (!value || *value < min) {
        return invalid_request(
            fmt::format("Invalid value for '{}': expected an integer of at least {}.", field, min),
            std::string(field), "invalid_value");
    }
    out = value;
    return std::nullopt;
}

}  // namespace

std::variant<ProxyRequest, Error> parse_proxy_request(std::string_view body, Endpoint endpoint) {
    if (body.empty()) {
        return invalid_request("The request body is empty: send a JSON object.", {},
                               "invalid_json");
    }
    Collected seen;
    auto on_member = [&seen](const json::Member& member) {
        // Keys with escapes ("mod\u0065l") are decoded before comparison so that they cannot
        // smuggle a second "model" past the duplicate check.
        std::string decoded_storage;
        std::string_view key = member.key;
        if (member.key_has_escapes) {
            decoded_storage = json::decode_key(member);
            key = decoded_storage;
            ++seen.escaped_keys;
        }
        if (!seen.routing_override) {
            if (is_routing_override(key)) {
                seen.routing_override.emplace(quoted_name(key), quoted_name(key));
            } else if (is_merged_container(key) &&
                       (member.kind == json::Kind::object || member.kind == json::Kind::array)) {
                if (auto inner = nested_override(member.value)) {
                    seen.routing_override.emplace(std::string(key), std::move(*inner));
                }
            }
        }
        const auto known = std::find(kFieldNames.begin(), kFieldNames.end(), key);
        if (known != kFieldNames.end()) {
            const auto index = static_cast<std::size_t>(known - kFieldNames.begin());
            if (seen.field[index] != nullptr && !seen.duplicate) seen.duplicate = std::string(key);
            seen.storage[index] = member;
            seen.field[index] = &seen.storage[index];
            return;
        }
        if (member.key_has_escapes) return;  // cannot keep a view of a temporary; rare
        const auto end = seen.keys.begin() + static_cast<std::ptrdiff_t>(seen.key_count);
        if (!seen.duplicate && std::find(seen.keys.begin(), end, key) != end) {
            seen.duplicate = std::string(key);
        }
        if (seen.key_count < seen.keys.size()) seen.keys[seen.key_count++] = key;
    };
    if (auto error = json::scan_object(body, kMaxJsonDepth, on_member)) {
        return invalid_request(fmt::format("The request body is not valid JSON: {} (at byte {}).",
                                           error->message, error->offset),
                               {}, "invalid_json");
    }
    if (seen.routing_override) {
        const auto& [field, name] = *seen.routing_override;
        return invalid_request(
            fmt::format("Unsupported parameter '{}'{}: the upstream and its credentials come only "
                        "from the gateway's configuration.",
                        name, field == name ? "" : " in '" + field + "'"),
            field, "unsupported_parameter");
    }
    if (seen.duplicate) {
        return invalid_request(
            fmt::format("Duplicate key '{}' in the request body.", *seen.duplicate),
            *seen.duplicate, "duplicate_key");
    }

    ProxyRequest request;
    const json::Member* model = seen.field[kModel];
    if (model == nullptr) {
        return invalid_request("You must provide a model parameter.", "model", "missing_required_parameter");
    }
    if (model->kind != json::Kind::string) return wrong_type("model", "a string", model->kind);
    request.model = json::decode_string(model->value);
    request.model_token = model->value;
    if (request.model.empty() || request.model.size() > kMaxModelNameBytes) {
        return invalid_request(
            fmt::format("Invalid value for 'model': expected 1 to {} bytes.", kMaxModelNameBytes),
            "model", "invalid_value");
    }

    if (const json::Member* stream = seen.field[kStream];
        stream != nullptr && stream->kind != json::Kind::null) {
        if (stream->kind != json::Kind::boolean) return wrong_type("stream", "a boolean", stream->kind);
        request.stream = stream->value == "true";
    }
    if (request.stream && endpoint == Endpoint::embeddings) {
        return invalid_request("Streaming is not supported for embeddings.", "stream",
                               "invalid_value");
    }

    if (const json::Member* options = seen.field[kStreamOptions];
        options != nullptr && options->kind != json::Kind::null) {
        if (options->kind != json::Kind::object) {
            return wrong_type("stream_options", "an object", options->kind);
        }
        request.has_stream_options = true;
        std::optional<Error> nested_error;
        int include_usage_seen = 0;
        auto on_option = [&](const json::Member& member) {
            if (json::decode_key(member) != "include_usage") return;
            ++include_usage_seen;
            if (member.kind != json::Kind::boolean) {
                nested_error = wrong_type("stream_options.include_usage", "a boolean", member.kind);
                return;
            }
            request.include_usage = member.value == "true";
        };
        json::scan_object(options->value, kMaxJsonDepth, on_option);  // validated above
        if (nested_error) return *std::move(nested_error);
        if (include_usage_seen > 1) {
            return invalid_request("Duplicate key 'stream_options.include_usage'.",
                                   "stream_options.include_usage", "duplicate_key");
        }
    }

    if (auto error = check_integer(seen.field[kMaxTokens], "max_tokens", 1, request.max_tokens)) {
        return *std::move(error);
    }
    std::optional<std::int64_t> max_completion;
    if (auto error = check_integer(seen.field[kMaxCompletionTokens], "max_completion_tokens", 1,
                                   max_completion)) {
        return *std::move(error);
    }
    if (max_completion) request.max_tokens = max_completion;
    std::optional<std::int64_t> choices;
    if (auto error = check_integer(seen.field[kChoices], "n", 1, choices)) return *std::move(error);
    request.choices = choices.value_or(1);

    switch (endpoint) {
        case Endpoint::chat_completions:
        case Endpoint::messages:
        case Endpoint::messages_count_tokens: {
            const json::Member* messages = seen.field[kMessages];
            if (messages == nullptr) {
                return invalid_request("Missing required parameter: 'messages'.", "messages",
                                       "missing_required_parameter");
            }
            if (messages->kind != json::Kind::array) {
                return wrong_type("messages", "an array", messages->kind);
            }
            request.prompt_token = messages->value;
            break;
        }
        case Endpoint::completions:
            if (seen.field[kPrompt] == nullptr) {
                return invalid_request("Missing required parameter: 'prompt'.", "prompt",
                                       "missing_required_parameter");
            }
            request.prompt_token = seen.field[kPrompt]->value;
            break;
        case Endpoint::embeddings:
            if (seen.field[kInput] == nullptr) {
                return invalid_request("Missing required parameter: 'input'.", "input",
                                       "missing_required_parameter");
            }
            request.prompt_token = seen.field[kInput]->value;
            break;
        default: break;
    }
    return request;
}

ModelSplice splice_model(std::string_view body, std::string_view model_token,
                         std::optional<std::string_view> new_model, std::string_view member) {
    const auto at = static_cast<std::size_t>(model_token.data() - body.data());
    ModelSplice splice{body.substr(0, at), {}, body.substr(at + model_token.size())};
    if (new_model) {
        json::append_quoted(splice.middle, *new_model);
    } else {
        splice.middle.append(model_token);
    }
    splice.middle.append(member);
    return splice;
}

std::string replace_model(std::string_view body, std::string_view model_token,
                          std::string_view upstream_model) {
    const ModelSplice splice = splice_model(body, model_token, upstream_model, {});
    std::string out;
    out.reserve(body.size() + splice.middle.size());
    out.append(splice.before).append(splice.middle).append(splice.after);
    return out;
}

}  // namespace infergate::api
