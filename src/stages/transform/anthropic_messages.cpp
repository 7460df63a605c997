#include "anthropic_messages.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace infergate::transform::anthropic {

namespace {

// Which content parts a role may send.
enum class Parts { text, user, assistant };

// One Anthropic message in the making: consecutive OpenAI messages of a role add to it.
struct Turn {
    std::string role;
    Json blocks = Json::array();
};

std::string at(const std::string& param, std::size_t index) {
    return param + "[" + std::to_string(index) + "]";
}

void add_text(Json& blocks, const std::string& text) {
    // Anthropic refuses empty text blocks; an empty part says nothing anyway.
    if (!text.empty()) blocks.push_back({{"type", "text"}, {"text", text}});
}

MaybeError add_image(const Json& part, const std::string& param, Json& blocks) {
    const Json* image = member(part, "image_url");
    const Json* url = image && image->is_object() ? member(*image, "url") : nullptr;
    if (!url || !url->is_string()) return wrong_type(param + ".image_url.url", "a string");
    const auto& text = url->get_ref<const std::string&>();
    if (text.starts_with("https://") || text.starts_with("http://")) {
        blocks.push_back({{"type", "image"}, {"source", {{"type", "url"}, {"url", text}}}});
        return {};
    }
    constexpr std::string_view kData = "data:";
    constexpr std::string_view kBase64 = ";base64,";
    const std::size_t marker = text.find(kBase64);
    if (!text.starts_with(kData) || marker == std::string::npos) {
        return wrong_value(param + ".image_url.url",
                           "An image URL must be an http(s) URL or a base64 data: URL.");
    }
    const std::string media_type = text.substr(kData.size(), marker - kData.size());
    constexpr std::array<std::string_view, 4> kMediaTypes{"image/jpeg", "image/png", "image/gif",
                                                          "image/webp"};
    if (std::find(kMediaTypes.begin(), kMediaTypes.end(), media_type) == kMediaTypes.end()) {
        return unsupported(param + ".image_url.url",
                           "Images of type '" + shown(media_type) + "' are not supported: send JPEG, PNG, GIF or WebP");
    }
    blocks.push_back({{"type", "image"},
                      {"source", {{"type", "base64"}, {"media_type", media_type},
                                  {"data", text.substr(marker + kBase64.size())}}}});
    return {};
}

MaybeError add_part(const Json& part, const std::string& param, Parts parts, Json& blocks) {
    const Json* type = part.is_object() ? member(part, "type") : nullptr;
    if (!type || !type->is_string()) return wrong_type(param + ".type", "a string");
    const auto& name = type->get_ref<const std::string&>();
    const std::size_t before = blocks.size();
    if (name == "text") {
        const Json* text = member(part, "text");
        if (!text || !text->is_string()) return wrong_type(param + ".text", "a string");
        add_text(blocks, text->get<std::string>());
    } else if (name == "image_url" && parts == Parts::user) {
        if (auto error = add_image(part, param, blocks)) return error;
    } else if (name == "refusal" && parts == Parts::assistant) {
        const Json* refusal = member(part, "refusal");
        if (!refusal || !refusal->is_string()) return wrong_type(param + ".refusal", "a string");
        add_text(blocks, refusal->get<std::string>());
    } else if (name == "image_url" || name == "input_audio" || name == "file") {
        return unsupported(param + ".type", "Content parts of type '" + shown(name) + "' are not supported here");
    } else {
        return wrong_value(param + ".type", "Unknown content part type '" + shown(name) + "'.");
    }
    // Anthropic's prompt-cache marker, as clients of OpenAI-format gateways send it on a part.
    if (const Json* cache_control = member(part, "cache_control"); cache_control && blocks.size() > before) {
        blocks.back()["cache_control"] = *cache_control;
    }
    return {};
}

// A message's content: a string, or an array of parts; null or absent adds nothing.
MaybeError add_content(const Json& message, const std::string& param, Parts parts, Json& blocks) {
    const Json* content = member(message, "content");
    if (!content) return {};
    if (content->is_string()) {
        add_text(blocks, content->get<std::string>());
        return {};
    }
    const std::string content_param = param + ".content";
    if (!content->is_array()) return wrong_type(content_param, "a string or an array of content parts");
    for (std::size_t i = 0; i < content->size(); ++i) {
        if (auto error = add_part((*content)[i], at(content_param, i), parts, blocks)) return error;
    }
    return {};
}

// Anthropic takes plain text as a string: the common case reads as the client wrote it. A
// block with more than its text (a cache_control marker) stays a block.
Json simplified(Json blocks) {
    if (blocks.size() == 1 && blocks[0].size() == 2 && blocks[0]["type"] == "text") return blocks[0]["text"];
    return blocks;
}

MaybeError add_tool_calls(const Json& message, const std::string& param, Json& blocks) {
    if (member(message, "function_call")) {
        return unsupported(param + ".function_call", "The legacy function_call is not supported: use tool_calls");
    }
    const Json* calls = member(message, "tool_calls");
    if (!calls) return {};
    const std::string calls_param = param + ".tool_calls";
    if (!calls->is_array()) return wrong_type(calls_param, "an array");
    for (std::size_t i = 0; i < calls->size(); ++i) {
        const Json& call = (*calls)[i];
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
        Json input;
        const std::string text = arguments ? arguments->get<std::string>() : std::string();
        if (auto error = parse_arguments(text, call_param + ".function.arguments", input)) return error;
        blocks.push_back({{"type", "tool_use"}, {"id", *id}, {"name", *name}, {"input", std::move(input)}});
    }
    return {};
}

MaybeError add_tool_result(const Json& message, const std::string& param, Json& blocks) {
    const Json* id = member(message, "tool_call_id");
    if (!id || !id->is_string()) return wrong_type(param + ".tool_call_id", "a string");
    Json content = Json::array();
    if (auto error = add_content(message, param, Parts::text, content)) return error;
    Json result = {{"type", "tool_result"}, {"tool_use_id", *id}};
    if (!content.empty()) result["content"] = simplified(std::move(content));
    blocks.push_back(std::move(result));
    return {};
}

// Anthropic wants user and assistant to alternate: a role's consecutive messages become one.
void add_turn(std::vector<Turn>& turns, std::string_view role, Json blocks) {
    if (blocks.empty()) return;
    if (turns.empty() || turns.back().role != role) turns.push_back({std::string(role), Json::array()});
    for (auto& block : blocks) turns.back().blocks.push_back(std::move(block));
}

}  // namespace

MaybeError translate_messages(const Json& messages, Json& request) {
    if (!messages.is_array()) return wrong_type("messages", "an array");
    Json system = Json::array();
    std::vector<Turn> turns;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const Json& message = messages[i];
        const std::string param = at("messages", i);
        const Json* role = message.is_object() ? member(message, "role") : nullptr;
        if (!role || !role->is_string()) return wrong_type(param + ".role", "a string");
        const auto& name = role->get_ref<const std::string&>();
        Json blocks = Json::array();
        MaybeError error;
        if (name == "system" || name == "developer") {
            error = add_content(message, param, Parts::text, system);  // Anthropic has one system prompt
        } else if (name == "user") {
            error = add_content(message, param, Parts::user, blocks);
        } else if (name == "assistant") {
            error = add_content(message, param, Parts::assistant, blocks);
            if (!error) error = add_tool_calls(message, param, blocks);
        } else if (name == "tool") {
            error = add_tool_result(message, param, blocks);
        } else if (name == "function") {
            error = unsupported(param + ".role", "The legacy function role is not supported: use tool messages");
        } else {
            error = wrong_value(param + ".role", "Unknown message role '" + shown(name) + "'.");
        }
        if (error) return error;
        add_turn(turns, name == "assistant" ? "assistant" : "user", std::move(blocks));
    }
    if (turns.empty()) {
        return wrong_value("messages", "The messages must include at least one user or assistant message with content.");
    }
    if (!system.empty()) request["system"] = simplified(std::move(system));
    Json& out = request["messages"] = Json::array();
    for (Turn& turn : turns) {
        out.push_back({{"role", turn.role}, {"content", simplified(std::move(turn.blocks))}});
    }
    return {};
}

}  // namespace infergate::transform::anthropic
