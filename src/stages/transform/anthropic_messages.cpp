#include "anthropic_messages.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "openai_content.hpp"

namespace infergate::transform::anthropic {

namespace {

// One Anthropic message in the making: consecutive OpenAI messages of a role add to it.
struct Turn {
    std::string role;
    Json blocks = Json::array();
};

MaybeError add_image(const ContentPart& part, Json& blocks) {
    if (part.kind == ContentPart::Kind::image_url) {
        blocks.push_back({{"type", "image"}, {"source", {{"type", "url"}, {"url", part.text}}}});
        return {};
    }
    constexpr std::array<std::string_view, 4> kMediaTypes{"image/jpeg", "image/png", "image/gif",
                                                          "image/webp"};
    if (std::find(kMediaTypes.begin(), kMediaTypes.end(), part.media_type) == kMediaTypes.end()) {
        return unsupported(part.param + ".image_url.url",
                           "Images of type '" + shown(part.media_type) + "' are not supported: send JPEG, PNG, GIF or WebP");
    }
    blocks.push_back({{"type", "image"},
                      {"source", {{"type", "base64"}, {"media_type", part.media_type}, {"data", part.text}}}});
    return {};
}

// A message's content as blocks: text and images.
MaybeError add_content(const Json& message, const std::string& param, Parts allowed, Json& blocks) {
    std::vector<ContentPart> parts;
    if (auto error = read_content(message, param, allowed, unsupported, parts)) return error;
    for (const ContentPart& part : parts) {
        if (part.kind == ContentPart::Kind::text) {
            blocks.push_back({{"type", "text"}, {"text", part.text}});
        } else if (auto error = add_image(part, blocks)) {
            return error;
        }
        // Anthropic's prompt-cache marker, as clients of OpenAI-format gateways send it on a part.
        if (const Json* cache_control = part.source ? member(*part.source, "cache_control") : nullptr) {
            blocks.back()["cache_control"] = *cache_control;
        }
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
    std::vector<ToolCall> calls;
    if (auto error = read_tool_calls(message, param, unsupported, calls)) return error;
    for (ToolCall& call : calls) {
        blocks.push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name},
                          {"input", std::move(call.arguments)}});
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
        } else {
            error = role_error(name, param, unsupported);
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
