#include "infergate/stages/transform/anthropic_request.hpp"

#include "anthropic_messages.hpp"
#include "anthropic_request_json.hpp"
#include "anthropic_tools.hpp"
#include "openai_fields.hpp"

namespace infergate::transform::anthropic {

namespace {

MaybeError set_sampling(const Json& openai, Json& request) {
    Json sequences;
    if (auto error = read_stop(openai, sequences)) return error;
    if (!sequences.empty()) request["stop_sequences"] = std::move(sequences);
    for (const char* key : {"temperature", "top_p"}) {
        const Json* value = member(openai, key);
        if (!value) continue;
        // OpenAI's temperature goes to 2; Anthropic's range is 0..1, and rescaling would change
        // what the client asked for, so a value above 1 is refused rather than guessed at.
        if (!value->is_number() || value->get<double>() < 0 || value->get<double>() > 1) {
            return wrong_value(key, std::string("'") + key + "' must be a number from 0 to 1 for this model.");
        }
        request[key] = *value;
    }
    if (const Json* top_k = member(openai, "top_k")) request["top_k"] = *top_k;  // Anthropic's own
    return {};
}

// What OpenAI can ask for and Anthropic cannot give: refused, never silently ignored.
MaybeError refuse_unsupported(const Json& openai) {
    if (auto error = refuse_common(openai, unsupported)) return error;
    if (const Json* format = member(openai, "response_format");
        format && !(format->is_object() && member(*format, "type") && (*format)["type"] == "text")) {
        return unsupported("response_format", "Only the text response format is supported");
    }
    return {};
}

}  // namespace

std::variant<MessagesRequest, api::Error> translate_request(std::string_view openai_body,
                                                            const RequestOptions& options) {
    auto parsed = parse_body(openai_body);
    if (auto* error = std::get_if<api::Error>(&parsed)) return *error;
    const Json& openai = std::get<Json>(parsed);
    if (auto error = refuse_unsupported(openai)) return *error;

    MessagesRequest result;
    Json request = Json::object();
    request["model"] = options.upstream_model;
    std::optional<std::int64_t> max_tokens;
    if (auto error = read_max_tokens(openai, max_tokens)) return *error;
    request["max_tokens"] = max_tokens.value_or(options.default_max_tokens);  // Anthropic requires it
    auto messages = required_messages(openai);
    if (auto* error = std::get_if<api::Error>(&messages)) return *error;
    if (auto error = translate_messages(*std::get<const Json*>(messages), request)) return *error;
    if (auto error = set_sampling(openai, request)) return *error;
    if (auto error = read_stream(openai, result.stream, result.include_usage)) return *error;
    if (result.stream) request["stream"] = true;
    if (auto error = translate_tools(openai, request)) return *error;
    if (const Json* thinking = member(openai, "thinking")) request["thinking"] = *thinking;  // Anthropic's own
    if (const Json* user = member(openai, "user"); user && user->is_string()) {
        request["metadata"] = {{"user_id", *user}};
    }
    result.body = request.dump(-1, ' ', false, Json::error_handler_t::replace);
    return result;
}

}  // namespace infergate::transform::anthropic
