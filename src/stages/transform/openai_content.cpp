#include "openai_content.hpp"

namespace infergate::transform {

namespace {

MaybeError read_image(const Json& part, const std::string& param, ContentPart& out) {
    const Json* image = member(part, "image_url");
    const Json* url = image && image->is_object() ? member(*image, "url") : nullptr;
    if (!url || !url->is_string()) return wrong_type(param + ".image_url.url", "a string");
    const auto& text = url->get_ref<const std::string&>();
    if (text.starts_with("https://") || text.starts_with("http://")) {
        out.kind = ContentPart::Kind::image_url;
        out.text = text;
        return {};
    }
    constexpr std::string_view kData = "data:";
    constexpr std::string_view kBase64 = ";base64,";
    const std::size_t marker = text.find(kBase64);
    if (!text.starts_with(kData) || marker == std::string::npos) {
        return wrong_value(param + ".image_url.url",
                           "An image URL must be an http(s) URL or a base64 data: URL.");
    }
    out.kind = ContentPart::Kind::image_data;
    out.media_type = text.substr(kData.size(), marker - kData.size());
    out.text = text.substr(marker + kBase64.size());
    return {};
}

MaybeError read_part(const Json& part, const std::string& param, Parts allowed, Unsupported unsupported,
                     std::vector<ContentPart>& parts) {
    const Json* type = part.is_object() ? member(part, "type") : nullptr;
    if (!type || !type->is_string()) return wrong_type(param + ".type", "a string");
    const auto& name = type->get_ref<const std::string&>();
    ContentPart out{.param = param, .source = &part};
    if (name == "text") {
        const Json* text = member(part, "text");
        if (!text || !text->is_string()) return wrong_type(param + ".text", "a string");
        out.text = text->get<std::string>();
    } else if (name == "image_url" && allowed == Parts::user) {
        if (auto error = read_image(part, param, out)) return error;
    } else if (name == "refusal" && allowed == Parts::assistant) {
        const Json* refusal = member(part, "refusal");
        if (!refusal || !refusal->is_string()) return wrong_type(param + ".refusal", "a string");
        out.text = refusal->get<std::string>();
    } else if (name == "image_url" || name == "input_audio" || name == "file") {
        return unsupported(param + ".type", "Content parts of type '" + shown(name) + "' are not supported here");
    } else {
        return wrong_value(param + ".type", "Unknown content part type '" + shown(name) + "'.");
    }
    if (out.kind != ContentPart::Kind::text || !out.text.empty()) parts.push_back(std::move(out));
    return {};
}

}  // namespace

std::string at(const std::string& param, std::size_t index) {
    return param + "[" + std::to_string(index) + "]";
}

MaybeError read_content(const Json& message, const std::string& param, Parts allowed, Unsupported unsupported,
                        std::vector<ContentPart>& parts) {
    const Json* content = member(message, "content");
    if (!content) return {};
    const std::string content_param = param + ".content";
    if (content->is_string()) {
        if (!content->get_ref<const std::string&>().empty()) {
            parts.push_back({.text = content->get<std::string>(), .param = content_param});
        }
        return {};
    }
    if (!content->is_array()) return wrong_type(content_param, "a string or an array of content parts");
    for (std::size_t i = 0; i < content->size(); ++i) {
        if (auto error = read_part((*content)[i], at(content_param, i), allowed, unsupported, parts)) return error;
    }
    return {};
}

MaybeError read_tool_calls(const Json& message, const std::string& param, Unsupported unsupported,
                           std::vector<ToolCall>& calls) {
    if (member(message, "function_call")) {
        return unsupported(param + ".function_call", "The legacy function_call is not supported: use tool_calls");
    }
    const Json* tool_calls = member(message, "tool_calls");
    if (!tool_calls) return {};
    const std::string calls_param = param + ".tool_calls";
    if (!tool_calls->is_array()) return wrong_type(calls_param, "an array");
    for (std::size_t i = 0; i < tool_calls->size(); ++i) {
        const Json& call = (*tool_calls)[i];
        const std::string call_param = at(calls_param, i);
        const Json* id = call.is_object() ? member(call, "id") : nullptr;
        if (!id || !id->is_string()) return wrong_type(call_param + ".id", "a string");
        if (const Json* type = member(call, "type"); type && *type != "function") {
            return unsupported(call_param + ".type", "Only function tool calls are supported");
        }
        const Json* function = member(call, "function");
        const Json* name = function && function->is_object() ? member(*function, "name") : nullptr;
        if (!name || !name->is_string()) return wrong_type(call_param + ".function.name", "a string");
        const Json* arguments = member(*function, "arguments");
        if (arguments && !arguments->is_string()) return wrong_type(call_param + ".function.arguments", "a string");
        ToolCall out{.id = id->get<std::string>(), .name = name->get<std::string>()};
        const std::string text = arguments ? arguments->get<std::string>() : std::string();
        if (auto error = parse_arguments(text, call_param + ".function.arguments", out.arguments)) return error;
        calls.push_back(std::move(out));
    }
    return {};
}

api::Error role_error(const std::string& role, const std::string& param, Unsupported unsupported) {
    if (role == "function") {
        return unsupported(param + ".role", "The legacy function role is not supported: use tool messages");
    }
    return wrong_value(param + ".role", "Unknown message role '" + shown(role) + "'.");
}

}  // namespace infergate::transform
