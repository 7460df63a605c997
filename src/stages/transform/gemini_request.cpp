#include "infergate/stages/transform/gemini_request.hpp"

#include <algorithm>
#include <utility>

#include "gemini_contents.hpp"
#include "gemini_request_json.hpp"
#include "gemini_tools.hpp"
#include "openai_fields.hpp"

namespace infergate::transform::gemini {

namespace {

constexpr std::string_view kModelsPath = "/v1beta/models/";

std::optional<std::string> model_path(std::string_view model, std::string_view method) {
    if (!is_path_safe_model(model)) return std::nullopt;
    return std::string(kModelsPath).append(model).append(method);
}

// Numbers Gemini takes as they are, under its own names; OpenAI's ranges are Gemini's.
MaybeError set_numbers(const Json& openai, Json& config) {
    constexpr std::pair<const char*, const char*> kNumbers[] = {
        {"temperature", "temperature"},          {"top_p", "topP"},
        {"presence_penalty", "presencePenalty"}, {"frequency_penalty", "frequencyPenalty"},
    };
    for (const auto& [key, name] : kNumbers) {
        const Json* value = member(openai, key);
        if (!value) continue;
        if (!value->is_number()) return wrong_type(key, "a number");
        config[name] = *value;
    }
    for (const auto& [key, name] : {std::pair{"seed", "seed"}, std::pair{"top_k", "topK"}}) {
        const Json* value = member(openai, key);
        if (!value) continue;
        if (!value->is_number_integer()) return wrong_type(key, "an integer");
        config[name] = *value;
    }
    if (const Json* n = member(openai, "n")) config["candidateCount"] = *n;  // only 1 (refuse_unsupported)
    return {};
}

// response_format: text (Gemini's default), json_object, or json_schema (schema best effort).
MaybeError set_response_format(const Json& openai, Json& config) {
    const Json* format = member(openai, "response_format");
    if (!format) return {};
    const Json* type = format->is_object() ? member(*format, "type") : nullptr;
    if (!type || !type->is_string()) return wrong_type("response_format.type", "a string");
    if (*type == "text") return {};
    if (*type == "json_object") {
        config["responseMimeType"] = "application/json";
        return {};
    }
    if (*type != "json_schema") {
        return unsupported("response_format", "Only the text, json_object and json_schema response formats are supported");
    }
    const Json* spec = member(*format, "json_schema");
    const Json* schema = spec && spec->is_object() ? member(*spec, "schema") : nullptr;
    if (schema && !schema->is_object()) return wrong_type("response_format.json_schema.schema", "an object");
    config["responseMimeType"] = "application/json";
    if (schema) config["responseSchema"] = gemini_schema(*schema);
    return {};
}

// What OpenAI can ask for and Gemini cannot give: refused, never silently ignored.
MaybeError refuse_unsupported(const Json& openai) {
    if (auto error = refuse_common(openai, unsupported)) return error;
    if (const Json* modalities = member(openai, "modalities");
        modalities && modalities->is_array() && std::find(modalities->begin(), modalities->end(), "audio") != modalities->end()) {
        return unsupported("modalities", "Audio output is not supported");
    }
    return {};
}

MaybeError set_generation_config(const Json& openai, const RequestOptions& options, Json& request) {
    Json config = Json::object();
    std::optional<std::int64_t> max_tokens;
    if (auto error = read_max_tokens(openai, max_tokens)) return error;
    if (max_tokens.value_or(options.default_max_tokens) > 0) {
        config["maxOutputTokens"] = max_tokens.value_or(options.default_max_tokens);
    }
    Json sequences;
    if (auto error = read_stop(openai, sequences)) return error;
    if (!sequences.empty()) config["stopSequences"] = std::move(sequences);
    if (auto error = set_numbers(openai, config)) return error;
    if (auto error = set_response_format(openai, config)) return error;
    if (!config.empty()) request["generationConfig"] = std::move(config);
    return {};
}

}  // namespace

bool is_path_safe_model(std::string_view model) {
    constexpr std::size_t kMaxModel = 128;
    auto safe = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '-' || c == '_';
    };
    // "." and ".." alone are path segments of their own.
    return !model.empty() && model.size() <= kMaxModel && model != "." && model != ".." &&
           std::all_of(model.begin(), model.end(), safe);
}

std::optional<std::string> generate_content_path(std::string_view model) {
    return model_path(model, ":generateContent");
}

std::optional<std::string> stream_generate_content_path(std::string_view model) {
    return model_path(model, ":streamGenerateContent?alt=sse");
}

std::variant<GenerateRequest, api::Error> translate_request(std::string_view openai_body,
                                                            const RequestOptions& options) {
    auto parsed = parse_body(openai_body);
    if (auto* error = std::get_if<api::Error>(&parsed)) return *error;
    const Json& openai = std::get<Json>(parsed);
    if (auto error = refuse_unsupported(openai)) return *error;

    GenerateRequest result;
    Json request = Json::object();
    auto messages = required_messages(openai);
    if (auto* error = std::get_if<api::Error>(&messages)) return *error;
    if (auto error = translate_messages(*std::get<const Json*>(messages), request)) return *error;
    if (auto error = translate_tools(openai, request)) return *error;
    if (auto error = set_generation_config(openai, options, request)) return *error;
    // Streaming is the path's to say, not the body's.
    if (auto error = read_stream(openai, result.stream, result.include_usage)) return *error;
    result.body = request.dump(-1, ' ', false, Json::error_handler_t::replace);
    return result;
}

}  // namespace infergate::transform::gemini
