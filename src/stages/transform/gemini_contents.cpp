#include "gemini_contents.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <utility>
#include <vector>

#include "infergate/api/openai_request.hpp"
#include "infergate/json/scanner.hpp"
#include "openai_content.hpp"

namespace infergate::transform::gemini {

namespace {

// One Gemini content in the making: consecutive OpenAI messages of a role add to it.
struct Turn {
    std::string role;
    Json parts = Json::array();
};

// What translating the messages remembers: tool messages name the function they answer, and
// only the assistant's earlier call knows it.
struct Conversation {
    Json system = Json::array();
    std::vector<Turn> turns;
    std::map<std::string, std::string, std::less<>> call_names;  // tool call id -> function name
};

// The media type of a URL's file, from its extension (any case); empty when unknown.
std::string_view media_type_of(std::string_view url) {
    url = url.substr(0, url.find_first_of("?#"));
    const std::size_t dot = url.rfind('.');
    if (dot == std::string_view::npos || url.size() - dot > 5) return {};
    std::string extension(url.substr(dot));
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kTypes{{
        {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".png", "image/png"}, {".gif", "image/gif"},
        {".webp", "image/webp"}, {".heic", "image/heic"}, {".heif", "image/heif"}, {".pdf", "application/pdf"},
    }};
    for (const auto& [known, type] : kTypes) {
        if (extension == known) return type;
    }
    return {};
}

// A message's content as parts: text, inlineData for data: URLs, fileData for http(s) URLs.
MaybeError add_content(const Json& message, const std::string& param, Parts allowed, Json& parts) {
    std::vector<ContentPart> read;
    if (auto error = read_content(message, param, allowed, unsupported, read)) return error;
    for (const ContentPart& part : read) {
        if (part.kind == ContentPart::Kind::text) {
            parts.push_back({{"text", part.text}});
        } else if (part.kind == ContentPart::Kind::image_data) {
            if (part.media_type.empty()) {
                return wrong_value(part.param + ".image_url.url", "An image data: URL must name its media type.");
            }
            parts.push_back({{"inlineData", {{"mimeType", part.media_type}, {"data", part.text}}}});
        } else {
            Json file = {{"fileUri", part.text}};
            if (const std::string_view type = media_type_of(part.text); !type.empty()) file["mimeType"] = type;
            parts.push_back({{"fileData", std::move(file)}});
        }
    }
    return {};
}

MaybeError add_function_calls(const Json& message, const std::string& param, Conversation& conversation,
                              Json& parts) {
    std::vector<ToolCall> calls;
    if (auto error = read_tool_calls(message, param, unsupported, calls)) return error;
    for (ToolCall& call : calls) {
        // Ids repeat across turns when the gateway made them (call_0, ...): the latest call
        // wins, as the tool messages answering it follow it.
        conversation.call_names[call.id] = call.name;
        parts.push_back({{"functionCall", {{"name", call.name}, {"args", std::move(call.arguments)}}}});
    }
    return {};
}

// A tool's result text as Gemini's `response` object: JSON objects and arrays as values, else
// the text itself.
Json tool_response(const std::string& text) {
    Json content = text;
    if (!text.empty() && (text.front() == '{' || text.front() == '[') && !json::validate(text, api::kMaxJsonDepth)) {
        content = Json::parse(text, nullptr, false);
    }
    return {{"content", std::move(content)}};
}

MaybeError add_function_response(const Json& message, const std::string& param, const Conversation& conversation,
                                 Json& parts) {
    const Json* id = member(message, "tool_call_id");
    if (!id || !id->is_string()) return wrong_type(param + ".tool_call_id", "a string");
    const auto name = conversation.call_names.find(id->get_ref<const std::string&>());
    if (name == conversation.call_names.end()) {
        return wrong_value(param + ".tool_call_id",
                           "No earlier assistant tool call has the id '" + shown(id->get<std::string>()) + "'.");
    }
    Json texts = Json::array();
    if (auto error = add_content(message, param, Parts::text, texts)) return error;
    std::string text;
    for (const Json& part : texts) text += part["text"].get<std::string>();
    parts.push_back({{"functionResponse", {{"name", name->second}, {"response", tool_response(text)}}}});
    return {};
}

// Gemini wants whole turns: a role's consecutive messages become one content.
void add_turn(std::vector<Turn>& turns, std::string_view role, Json parts) {
    if (parts.empty()) return;
    if (turns.empty() || turns.back().role != role) turns.push_back({std::string(role), Json::array()});
    for (auto& part : parts) turns.back().parts.push_back(std::move(part));
}

MaybeError add_message(const Json& message, const std::string& param, Conversation& conversation) {
    const Json* role = message.is_object() ? member(message, "role") : nullptr;
    if (!role || !role->is_string()) return wrong_type(param + ".role", "a string");
    const auto& name = role->get_ref<const std::string&>();
    Json parts = Json::array();
    MaybeError error;
    if (name == "system" || name == "developer") {
        return add_content(message, param, Parts::text, conversation.system);  // one system instruction
    } else if (name == "user") {
        error = add_content(message, param, Parts::user, parts);
    } else if (name == "assistant") {
        error = add_content(message, param, Parts::assistant, parts);
        if (!error) error = add_function_calls(message, param, conversation, parts);
    } else if (name == "tool") {
        error = add_function_response(message, param, conversation, parts);
    } else {
        error = role_error(name, param, unsupported);
    }
    if (!error) add_turn(conversation.turns, name == "assistant" ? "model" : "user", std::move(parts));
    return error;
}

}  // namespace

MaybeError translate_messages(const Json& messages, Json& request) {
    if (!messages.is_array()) return wrong_type("messages", "an array");
    Conversation conversation;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (auto error = add_message(messages[i], at("messages", i), conversation)) return error;
    }
    if (conversation.turns.empty()) {
        return wrong_value("messages", "The messages must include at least one user or assistant message with content.");
    }
    if (!conversation.system.empty()) request["systemInstruction"] = {{"parts", std::move(conversation.system)}};
    Json& out = request["contents"] = Json::array();
    for (Turn& turn : conversation.turns) {
        out.push_back({{"role", turn.role}, {"parts", std::move(turn.parts)}});
    }
    return {};
}

}  // namespace infergate::transform::gemini
