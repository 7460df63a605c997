#include "infergate/stages/policy/prompt_text.hpp"

namespace infergate::policy {
namespace {

// A string, or an array whose string items are texts. False once `visit` asked to stop.
bool visit_strings(Json& value, const std::function<bool(std::string&)>& visit) {
    if (value.is_string()) return visit(value.get_ref<std::string&>());
    if (!value.is_array()) return true;
    for (Json& item : value) {
        if (item.is_string() && !visit(item.get_ref<std::string&>())) return false;
    }
    return true;
}

bool visit_content(Json& content, const std::function<bool(std::string&)>& visit) {
    if (content.is_string()) return visit(content.get_ref<std::string&>());
    if (!content.is_array()) return true;
    for (Json& part : content) {
        if (!part.is_object()) continue;
        const auto type = part.find("type");
        const auto text = part.find("text");
        if (type == part.end() || *type != "text" || text == part.end() || !text->is_string()) continue;
        if (!visit(text->get_ref<std::string&>())) return false;
    }
    return true;
}

}  // namespace

void for_each_prompt_text(Json& body, api::Endpoint endpoint, const std::function<bool(std::string&)>& visit) {
    if (!body.is_object()) return;
    switch (endpoint) {
        case api::Endpoint::messages:
        case api::Endpoint::chat_completions: {
            // Anthropic's API has its system prompt apart, as a string or text blocks.
            if (const auto system = body.find("system");
                endpoint == api::Endpoint::messages && system != body.end() && !visit_content(*system, visit)) {
                return;
            }
            const auto messages = body.find("messages");
            if (messages == body.end() || !messages->is_array()) return;
            for (Json& message : *messages) {
                if (!message.is_object()) continue;
                const auto content = message.find("content");
                if (content != message.end() && !visit_content(*content, visit)) return;
            }
            return;
        }
        case api::Endpoint::completions:
            if (const auto prompt = body.find("prompt"); prompt != body.end()) visit_strings(*prompt, visit);
            return;
        case api::Endpoint::embeddings:
            if (const auto input = body.find("input"); input != body.end()) visit_strings(*input, visit);
            return;
        default: return;
    }
}

}  // namespace infergate::policy
