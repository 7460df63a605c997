#include "messages_ingress_messages.hpp"

namespace infergate::transform::messages_ingress {

namespace {

// What one user turn becomes: the tool results first (each its own message), then the rest.
struct UserTurn {
    Json tool_messages = Json::array();
    Json result_images = Json::array();  // images inside tool results: only a user message takes them
    Json parts = Json::array();
};

const std::string* string_of(const Json& object, const std::string& key) {
    const Json* value = object.is_object() ? member(object, key) : nullptr;
    return value && value->is_string() ? &value->get_ref<const std::string&>() : nullptr;
}

MaybeError text_of(const Json& block, const std::string& param, std::string& text) {
    const std::string* value = string_of(block, "text");
    if (!value) return wrong_type(param + ".text", "a string");
    text = *value;
    return {};
}

// An image block's source as the URL of an image_url part.
MaybeError image_part(const Json& block, const std::string& param, Json& parts) {
    const Json* source = member(block, "source");
    const std::string* type = source ? string_of(*source, "type") : nullptr;
    if (!type) return wrong_type(param + ".source.type", "a string");
    std::string url;
    if (*type == "base64") {
        const std::string* media_type = string_of(*source, "media_type");
        const std::string* data = string_of(*source, "data");
        if (!media_type) return wrong_type(param + ".source.media_type", "a string");
        if (!data) return wrong_type(param + ".source.data", "a string");
        url = "data:" + *media_type + ";base64," + *data;
    } else if (*type == "url") {
        const std::string* value = string_of(*source, "url");
        if (!value) return wrong_type(param + ".source.url", "a string");
        url = *value;
    } else {
        return unsupported(param + ".source.type", "Image sources of type '" + shown(*type) + "' are not supported");
    }
    parts.push_back({{"type", "image_url"}, {"image_url", {{"url", std::move(url)}}}});
    return {};
}

const std::string* block_type(const Json& block) { return string_of(block, "type"); }

MaybeError tool_result(const Json& block, const std::string& param, UserTurn& turn) {
    const std::string* id = string_of(block, "tool_use_id");
    if (!id) return wrong_type(param + ".tool_use_id", "a string");
    std::string text;
    if (const Json* content = member(block, "content"); content && content->is_string()) {
        text = content->get<std::string>();
    } else if (content && content->is_array()) {
        for (std::size_t i = 0; i < content->size(); ++i) {
            const Json& part = (*content)[i];
            const std::string part_param = at(param + ".content", i);
            const std::string* type = block_type(part);
            if (type && *type == "text") {
                std::string part_text;
                if (auto error = text_of(part, part_param, part_text)) return error;
                if (!text.empty()) text += '\n';
                text += part_text;
            } else if (type && *type == "image") {
                if (auto error = image_part(part, part_param, turn.result_images)) return error;
            } else {
                return unsupported(part_param + ".type", "Tool results may hold only text and images");
            }
        }
    } else if (content) {
        return wrong_type(param + ".content", "a string or an array of content blocks");
    }
    if (const Json* is_error = member(block, "is_error"); is_error && *is_error == true) {
        text = "Error: " + text;  // OpenAI's tool message has no error flag: the model reads it
    }
    turn.tool_messages.push_back({{"role", "tool"}, {"tool_call_id", *id}, {"content", std::move(text)}});
    return {};
}

MaybeError user_block(const Json& block, const std::string& param, UserTurn& turn) {
    const std::string* type = block_type(block);
    if (!type) return wrong_type(param + ".type", "a string");
    if (*type == "text") {
        std::string text;
        if (auto error = text_of(block, param, text)) return error;
        turn.parts.push_back({{"type", "text"}, {"text", std::move(text)}});
        return {};
    }
    if (*type == "image") return image_part(block, param, turn.parts);
    if (*type == "tool_result") return tool_result(block, param, turn);
    if (*type == "document" || *type == "search_result" || *type == "container_upload") {
        return unsupported(param + ".type", "Content blocks of type '" + shown(*type) + "' are not supported");
    }
    return wrong_value(param + ".type", "Unknown content block type '" + shown(*type) + "' in a user message.");
}

MaybeError user_message(const Json& content, const std::string& param, Json& messages) {
    UserTurn turn;
    for (std::size_t i = 0; i < content.size(); ++i) {
        if (auto error = user_block(content[i], at(param, i), turn)) return error;
    }
    for (Json& tool : turn.tool_messages) messages.push_back(std::move(tool));
    Json parts = std::move(turn.result_images);
    for (Json& part : turn.parts) parts.push_back(std::move(part));
    if (parts.empty()) return {};
    // A lone text reads as the client wrote it; backends without content parts still take it.
    if (parts.size() == 1 && parts[0]["type"] == "text") {
        messages.push_back({{"role", "user"}, {"content", parts[0]["text"]}});
    } else {
        messages.push_back({{"role", "user"}, {"content", std::move(parts)}});
    }
    return {};
}

MaybeError tool_call(const Json& block, const std::string& param, Json& calls) {
    const std::string* id = string_of(block, "id");
    const std::string* name = string_of(block, "name");
    if (!id) return wrong_type(param + ".id", "a string");
    if (!name) return wrong_type(param + ".name", "a string");
    const Json* input = member(block, "input");
    if (input && !input->is_object()) return wrong_type(param + ".input", "an object");
    const std::string arguments = input ? input->dump(-1, ' ', false, Json::error_handler_t::replace) : "{}";
    calls.push_back({{"id", *id}, {"type", "function"}, {"function", {{"name", *name}, {"arguments", arguments}}}});
    return {};
}

MaybeError assistant_message(const Json& content, const std::string& param, Json& messages) {
    std::string text;
    Json calls = Json::array();
    for (std::size_t i = 0; i < content.size(); ++i) {
        const Json& block = content[i];
        const std::string block_param = at(param, i);
        const std::string* type = block_type(block);
        if (!type) return wrong_type(block_param + ".type", "a string");
        if (*type == "text") {
            std::string part;
            if (auto error = text_of(block, block_param, part)) return error;
            text += part;  // joined as the outbound translation joins an answer's text blocks
        } else if (*type == "tool_use") {
            if (auto error = tool_call(block, block_param, calls)) return error;
        } else if (*type == "thinking" || *type == "redacted_thinking") {
            continue;  // signed by Anthropic, meaningless to another model
        } else if (*type == "server_tool_use" || type->ends_with("_tool_result")) {
            return unsupported(block_param + ".type", "Server tool blocks are not supported");
        } else {
            return wrong_value(block_param + ".type",
                               "Unknown content block type '" + shown(*type) + "' in an assistant message.");
        }
    }
    // A turn that only thought says nothing to the backend; consecutive user turns are fine there.
    if (text.empty() && calls.empty()) return {};
    Json message = {{"role", "assistant"}, {"content", text.empty() ? Json() : Json(text)}};
    if (!calls.empty()) message["tool_calls"] = std::move(calls);
    messages.push_back(std::move(message));
    return {};
}

}  // namespace

MaybeError translate_system(const Json& system, Json& messages) {
    std::string text;
    if (system.is_string()) {
        text = system.get<std::string>();
    } else if (system.is_array()) {
        for (std::size_t i = 0; i < system.size(); ++i) {
            const std::string param = at("system", i);
            const std::string* type = block_type(system[i]);
            if (!type || *type != "text") return wrong_value(param + ".type", "System blocks must be of type 'text'.");
            std::string part;
            if (auto error = text_of(system[i], param, part)) return error;
            if (!text.empty() && !part.empty()) text += "\n\n";
            text += part;
        }
    } else {
        return wrong_type("system", "a string or an array of text blocks");
    }
    if (!text.empty()) messages.push_back({{"role", "system"}, {"content", std::move(text)}});
    return {};
}

MaybeError translate_messages(const Json& anthropic_messages, Json& messages) {
    if (!anthropic_messages.is_array()) return wrong_type("messages", "an array");
    if (anthropic_messages.empty()) return wrong_value("messages", "At least one message is required.");
    for (std::size_t i = 0; i < anthropic_messages.size(); ++i) {
        const Json& message = anthropic_messages[i];
        const std::string param = at("messages", i);
        const std::string* role = string_of(message, "role");
        if (!role) return wrong_type(param + ".role", "a string");
        if (*role != "user" && *role != "assistant") {
            return wrong_value(param + ".role", "The role must be 'user' or 'assistant', not '" + shown(*role) + "'.");
        }
        const Json* content = member(message, "content");
        if (!content) return wrong_type(param + ".content", "a string or an array of content blocks");
        if (content->is_string()) {
            messages.push_back({{"role", *role}, {"content", *content}});
            continue;
        }
        if (!content->is_array()) return wrong_type(param + ".content", "a string or an array of content blocks");
        const std::string content_param = param + ".content";
        if (auto error = *role == "user" ? user_message(*content, content_param, messages)
                                         : assistant_message(*content, content_param, messages)) {
            return error;
        }
    }
    return {};
}

}  // namespace infergate::transform::messages_ingress
