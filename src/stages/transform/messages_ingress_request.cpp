#include "infergate/stages/transform/messages_ingress_request.hpp"

#include "infergate/api/openai_request.hpp"
#include "infergate/json/scanner.hpp"
#include "messages_ingress_messages.hpp"
#include "messages_ingress_tools.hpp"

namespace infergate::transform::messages_ingress {

namespace {

api::Error missing(const std::string& param) {
    return api::invalid_request("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
}

MaybeError set_sampling(const Json& anthropic, Json& request) {
    if (const Json* stop = member(anthropic, "stop_sequences")) {
        if (!stop->is_array()) return wrong_type("stop_sequences", "an array of strings");
        for (const Json& sequence : *stop) {
            if (!sequence.is_string()) return wrong_type("stop_sequences", "an array of strings");
        }
        if (!stop->empty()) request["stop"] = *stop;
    }
    for (const char* key : {"temperature", "top_p"}) {
        const Json* value = member(anthropic, key);
        if (!value) continue;
        if (!value->is_number()) return wrong_type(key, "a number");
        request[key] = *value;
    }
    // top_k has no OpenAI field; `thinking` has no portable one (reasoning_effort is not a
    // token budget): both left out, the answer is still an answer.
    return {};
}

}  // namespace

std::variant<ChatRequest, api::Error> translate_request(std::string_view anthropic_body) {
    // Bounded before parsing: the DOM parser recurses once per level.
    if (json::validate(anthropic_body, api::kMaxJsonDepth)) {
        return api::invalid_request("The request body is not valid JSON.", {}, "invalid_json");
    }
    const Json anthropic = Json::parse(anthropic_body, nullptr, false);
    if (!anthropic.is_object()) return wrong_type("body", "a JSON object");

    ChatRequest result;
    const Json* model = member(anthropic, "model");
    if (!model) return missing("model");
    if (!model->is_string()) return wrong_type("model", "a string");
    result.model = model->get<std::string>();
    const Json* max_tokens = member(anthropic, "max_tokens");
    if (!max_tokens) return missing("max_tokens");  // Anthropic requires it; so does the client's SDK
    if (!max_tokens->is_number_integer() || max_tokens->get<std::int64_t>() < 1) {
        return wrong_value("max_tokens", "'max_tokens' must be an integer of at least 1.");
    }
    result.max_tokens = max_tokens->get<std::int64_t>();
    const Json* messages = member(anthropic, "messages");
    if (!messages) return missing("messages");

    Json request = Json::object();
    request["model"] = *model;
    Json& out = request["messages"] = Json::array();
    if (const Json* system = member(anthropic, "system")) {
        if (auto error = translate_system(*system, out)) return *error;
    }
    if (auto error = translate_messages(*messages, out)) return *error;
    request["max_tokens"] = result.max_tokens;
    if (auto error = set_sampling(anthropic, request)) return *error;
    if (const Json* stream = member(anthropic, "stream")) {
        if (!stream->is_boolean()) return wrong_type("stream", "a boolean");
        result.stream = stream->get<bool>();
    }
    if (result.stream) {
        request["stream"] = true;
        request["stream_options"] = {{"include_usage", true}};
    }
    if (auto error = translate_tools(anthropic, request)) return *error;
    if (const Json* metadata = member(anthropic, "metadata"); metadata && metadata->is_object()) {
        if (const Json* user = member(*metadata, "user_id"); user && user->is_string()) request["user"] = *user;
    }
    result.openai_body = request.dump(-1, ' ', false, Json::error_handler_t::replace);
    return result;
}

}  // namespace infergate::transform::messages_ingress
