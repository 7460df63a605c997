#include "openai_fields.hpp"

#include "infergate/api/openai_request.hpp"
#include "infergate/json/scanner.hpp"

namespace infergate::transform {

std::variant<Json, api::Error> parse_body(std::string_view body) {
    if (json::validate(body, api::kMaxJsonDepth)) {
        return api::invalid_request("The request body is not valid JSON.", {}, "invalid_json");
    }
    Json openai = Json::parse(body, nullptr, false);
    if (!openai.is_object()) return wrong_type("body", "a JSON object");
    return openai;
}

std::variant<const Json*, api::Error> required_messages(const Json& openai) {
    if (const Json* messages = member(openai, "messages")) return messages;
    return api::invalid_request("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
}

MaybeError read_max_tokens(const Json& openai, std::optional<std::int64_t>& max_tokens) {
    for (const char* key : {"max_tokens", "max_completion_tokens"}) {
        if (const Json* value = member(openai, key)) {
            if (!value->is_number_integer() || value->get<std::int64_t>() < 1) {
                return wrong_value(key, std::string("'") + key + "' must be an integer of at least 1.");
            }
            max_tokens = value->get<std::int64_t>();
        }
    }
    return {};
}

MaybeError read_stop(const Json& openai, Json& sequences) {
    sequences = Json::array();
    const Json* stop = member(openai, "stop");
    if (!stop) return {};
    if (stop->is_string()) {
        sequences.push_back(*stop);
        return {};
    }
    if (!stop->is_array()) return wrong_type("stop", "a string or an array of strings");
    for (const Json& sequence : *stop) {
        if (!sequence.is_string()) return wrong_type("stop", "a string or an array of strings");
        sequences.push_back(sequence);
    }
    return {};
}

MaybeError read_stream(const Json& openai, bool& stream, bool& include_usage) {
    if (const Json* value = member(openai, "stream")) {
        if (!value->is_boolean()) return wrong_type("stream", "a boolean");
        stream = value->get<bool>();
    }
    if (const Json* options = member(openai, "stream_options"); options && options->is_object()) {
        const Json* include = member(*options, "include_usage");
        include_usage = include && *include == true;
    }
    return {};
}

MaybeError refuse_common(const Json& openai, Unsupported unsupported) {
    if (const Json* n = member(openai, "n"); n && *n != 1) {
        return unsupported("n", "Only one choice (n = 1) is supported");
    }
    if (const Json* logprobs = member(openai, "logprobs"); logprobs && *logprobs != false) {
        return unsupported("logprobs", "Log probabilities are not supported");
    }
    if (member(openai, "top_logprobs")) return unsupported("top_logprobs", "Log probabilities are not supported");
    if (member(openai, "functions")) return unsupported("functions", "Legacy functions are not supported: use tools");
    if (member(openai, "function_call")) {
        return unsupported("function_call", "Legacy function_call is not supported: use tool_choice");
    }
    if (member(openai, "audio")) return unsupported("audio", "Audio output is not supported");
    if (member(openai, "prediction")) return unsupported("prediction", "Predicted outputs are not supported");
    return {};
}

MaybeError read_function_tool(const Json& tool, const std::string& param, Unsupported unsupported,
                              FunctionTool& function) {
    const Json* type = tool.is_object() ? member(tool, "type") : nullptr;
    if (!type || *type != "function") {
        return unsupported(param + ".type", "Only tools of type 'function' are supported");
    }
    const Json* object = member(tool, "function");
    function.name = object && object->is_object() ? member(*object, "name") : nullptr;
    if (!function.name || !function.name->is_string()) return wrong_type(param + ".function.name", "a string");
    function.description = member(*object, "description");
    if (function.description && !function.description->is_string()) {
        return wrong_type(param + ".function.description", "a string");
    }
    function.parameters = member(*object, "parameters");
    if (function.parameters && !function.parameters->is_object()) {
        return wrong_type(param + ".function.parameters", "an object");
    }
    return {};
}

MaybeError read_tool_choice(const Json& choice, Unsupported unsupported, ToolChoice& out) {
    if (choice.is_string()) {
        out.mode = choice.get<std::string>();
        if (out.mode == "auto" || out.mode == "none" || out.mode == "required") return {};
        return wrong_value("tool_choice", "Unknown tool_choice '" + shown(out.mode) + "'.");
    }
    const Json* type = choice.is_object() ? member(choice, "type") : nullptr;
    if (!type || *type != "function") {
        return unsupported("tool_choice", "tool_choice must be auto, none, required or a function");
    }
    const Json* function = member(choice, "function");
    out.name = function && function->is_object() ? member(*function, "name") : nullptr;
    if (!out.name || !out.name->is_string()) return wrong_type("tool_choice.function.name", "a string");
    out.mode = "function";
    return {};
}

}  // namespace infergate::transform
