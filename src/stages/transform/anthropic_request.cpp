#include "infergate/stages/transform/anthropic_request.hpp"

#include "anthropic_messages.hpp"
#include "anthropic_request_json.hpp"
#include "anthropic_tools.hpp"
#include "infergate/api/openai_request.hpp"
#include "infergate/json/scanner.hpp"

namespace infergate::transform::anthropic {

namespace {

MaybeError set_max_tokens(const Json& openai, std::int64_t default_max_tokens, Json& request) {
    // As api::ProxyRequest reads it: max_completion_tokens (the current name) wins.
    std::int64_t max_tokens = default_max_tokens;
    for (const char* key : {"max_tokens", "max_completion_tokens"}) {
        if (const Json* value = member(openai, key)) {
            if (!value->is_number_integer() || value->get<std::int64_t>() < 1) {
                return wrong_value(key, std::string("'") + key + "' must be an integer of at least 1.");
            }
            max_tokens = value->get<std::int64_t>();
        }
    }
    request["max_tokens"] = max_tokens;
    return {};
}

MaybeError set_sampling(const Json& openai, Json& request) {
    if (const Json* stop = member(openai, "stop")) {
        Json sequences = Json::array();
        if (stop->is_string()) {
            sequences.push_back(*stop);
        } else if (stop->is_array()) {
            for (const Json& sequence : *stop) {
                if (!sequence.is_string()) return wrong_type("stop", "a string or an array of strings");
                sequences.push_back(sequence);
            }
        } else {
            return wrong_type("stop", "a string or an array of strings");
        }
        if (!sequences.empty()) request["stop_sequences"] = std::move(sequences);
    }
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
    if (const Json* n = member(openai, "n"); n && *n != 1) {
        return unsupported("n", "Only one choice (n = 1) is supported");
    }
    if (const Json* logprobs = member(openai, "logprobs"); logprobs && *logprobs != false) {
        return unsupported("logprobs", "Log probabilities are not supported");
    }
    if (member(openai, "top_logprobs")) return unsupported("top_logprobs", "Log probabilities are not supported");
    if (const Json* format = member(openai, "response_format");
        format && !(format->is_object() && member(*format, "type") && (*format)["type"] == "text")) {
        return unsupported("response_format", "Only the text response format is supported");
    }
    if (member(openai, "functions")) return unsupported("functions", "Legacy functions are not supported: use tools");
    if (member(openai, "function_call")) {
        return unsupported("function_call", "Legacy function_call is not supported: use tool_choice");
    }
    if (member(openai, "audio")) return unsupported("audio", "Audio output is not supported");
    if (member(openai, "prediction")) return unsupported("prediction", "Predicted outputs are not supported");
    return {};
}

}  // namespace

std::variant<MessagesRequest, api::Error> translate_request(std::string_view openai_body,
                                                            const RequestOptions& options) {
    // Bounded before parsing: the DOM parser recurses once per level.
    if (json::validate(openai_body, api::kMaxJsonDepth)) {
        return api::invalid_request("The request body is not valid JSON.", {}, "invalid_json");
    }
    const Json openai = Json::parse(openai_body, nullptr, false);
    if (!openai.is_object()) return wrong_type("body", "a JSON object");
    if (auto error = refuse_unsupported(openai)) return *error;

    MessagesRequest result;
    Json request = Json::object();
    request["model"] = options.upstream_model;
    if (auto error = set_max_tokens(openai, options.default_max_tokens, request)) return *error;
    const Json* messages = member(openai, "messages");
    if (!messages) return api::invalid_request("Missing required parameter: 'messages'.", "messages",
                                               "missing_required_parameter");
    if (auto error = translate_messages(*messages, request)) return *error;
    if (auto error = set_sampling(openai, request)) return *error;
    if (const Json* stream = member(openai, "stream")) {
        if (!stream->is_boolean()) return wrong_type("stream", "a boolean");
        result.stream = stream->get<bool>();
        if (result.stream) request["stream"] = true;
    }
    if (const Json* stream_options = member(openai, "stream_options"); stream_options && stream_options->is_object()) {
        const Json* include = member(*stream_options, "include_usage");
        result.include_usage = include && *include == true;
    }
    if (auto error = translate_tools(openai, request)) return *error;
    if (const Json* thinking = member(openai, "thinking")) request["thinking"] = *thinking;  // Anthropic's own
    if (const Json* user = member(openai, "user"); user && user->is_string()) {
        request["metadata"] = {{"user_id", *user}};
    }
    result.body = request.dump(-1, ' ', false, Json::error_handler_t::replace);
    return result;
}

}  // namespace infergate::transform::anthropic
