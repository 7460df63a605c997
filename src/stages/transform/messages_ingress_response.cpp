#include "infergate/stages/transform/messages_ingress_response.hpp"

#include "infergate/api/openai_request.hpp"
#include "infergate/json/scanner.hpp"
#include "messages_ingress_json.hpp"
#include "messages_ingress_wire.hpp"

namespace infergate::transform::messages_ingress {

namespace {

std::string string_or_empty(const Json& object, const std::string& key) {
    const Json* value = member(object, key);
    return value && value->is_string() ? value->get<std::string>() : std::string();
}

// message.content: a string, or (some backends) an array of text parts.
std::string text_of(const Json& message) {
    const Json* content = member(message, "content");
    if (!content || !content->is_array()) return string_or_empty(message, "content");
    std::string text;
    for (const Json& part : *content) {
        if (part.is_object()) text += string_or_empty(part, "text");
    }
    return text;
}

Json input_of(const Json& function) {
    const std::string arguments = string_or_empty(function, "arguments");
    if (json::validate(arguments, api::kMaxJsonDepth)) return Json::object();
    Json input = Json::parse(arguments, nullptr, false);
    return input.is_object() ? input : Json::object();
}

void append_text_block(std::string& out, std::string_view type, std::string_view field, const std::string& text) {
    if (out.back() != '[') out += ',';
    out += R"({"type":")";
    out += type;
    out += R"(",")";
    out += field;
    out += R"(":)";
    json::append_quoted(out, text);
    if (type == "thinking") out += R"(,"signature":"")";
    out += '}';
}

// Appends the tool_use blocks; false when a call has no function name.
bool append_tool_uses(std::string& out, const Json& calls) {
    for (const Json& call : calls) {
        const Json* function = call.is_object() ? member(call, "function") : nullptr;
        if (!function || !function->is_object() || string_or_empty(*function, "name").empty()) return false;
        if (out.back() != '[') out += ',';
        out += R"({"type":"tool_use","id":)";
        json::append_quoted(out, string_or_empty(call, "id"));
        out += R"(,"name":)";
        json::append_quoted(out, string_or_empty(*function, "name"));
        out += R"(,"input":)";
        out += input_of(*function).dump(-1, ' ', false, Json::error_handler_t::replace);
        out += '}';
    }
    return true;
}

}  // namespace

std::variant<MessagesResponse, api::Error> translate_response(std::string_view openai_body,
                                                              std::string_view backend) {
    if (json::validate(openai_body, api::kMaxJsonDepth)) {
        return api::upstream_invalid_response(backend, "the body is not valid JSON");
    }
    const Json completion = Json::parse(openai_body, nullptr, false);
    const Json* choices = completion.is_object() ? member(completion, "choices") : nullptr;
    const Json* choice = choices && choices->is_array() && !choices->empty() ? &(*choices)[0] : nullptr;
    const Json* message = choice && choice->is_object() ? member(*choice, "message") : nullptr;
    const Json* id = completion.is_object() ? member(completion, "id") : nullptr;
    if (!message || !message->is_object() || !id || !id->is_string()) {
        return api::upstream_invalid_response(backend, "the answer has no id or message");
    }

    MessagesResponse response;
    response.usage = sse::find_usage(openai_body).value_or(sse::Usage{});
    std::string& out = response.body;
    out += R"({"id":)";
    json::append_quoted(out, "msg_" + id->get<std::string>());
    out += R"(,"type":"message","role":"assistant","model":)";
    json::append_quoted(out, string_or_empty(completion, "model"));
    out += R"(,"content":[)";
    std::string reasoning = string_or_empty(*message, "reasoning_content");
    if (reasoning.empty()) reasoning = string_or_empty(*message, "reasoning");
    if (!reasoning.empty()) append_text_block(out, "thinking", "thinking", reasoning);
    std::string text = text_of(*message);
    if (text.empty()) text = string_or_empty(*message, "refusal");
    if (!text.empty()) append_text_block(out, "text", "text", text);
    if (const Json* calls = member(*message, "tool_calls"); calls && calls->is_array()) {
        if (!append_tool_uses(out, *calls)) return api::upstream_invalid_response(backend, "a tool call has no name");
    }
    const std::string finish = string_or_empty(*choice, "finish_reason");
    const std::string matched = finish == "stop" ? string_or_empty(*choice, "stop_reason") : std::string();
    out += R"(],"stop_reason":")";
    out += matched.empty() ? stop_reason(finish) : "stop_sequence";
    out += R"(","stop_sequence":)";
    if (matched.empty()) out += "null";
    else json::append_quoted(out, matched);
    out += R"(,"usage":)";
    append_usage(out, response.usage);
    out += '}';
    return response;
}

}  // namespace infergate::transform::messages_ingress
