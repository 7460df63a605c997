#include "infergate/stages/policy/system_prompt.hpp"

#include <algorithm>

namespace infergate::policy {
namespace {

bool is_system(const Json& message) {
    if (!message.is_object()) return false;
    const auto role = message.find("role");
    return role != message.end() && (*role == "system" || *role == "developer");
}

}  // namespace

bool apply_system_prompt(Json& body, const config::SystemPrompt& prompt) {
    const auto messages = body.find("messages");
    if (messages == body.end() || !messages->is_array()) return false;
    auto& list = messages->get_ref<Json::array_t&>();
    switch (prompt.mode) {
        case config::SystemPromptMode::if_missing:
            if (std::any_of(list.begin(), list.end(), is_system)) return false;
            break;
        case config::SystemPromptMode::replace:
            list.erase(std::remove_if(list.begin(), list.end(), is_system), list.end());
            break;
        case config::SystemPromptMode::prepend: break;
    }
    list.insert(list.begin(), Json{{"role", "system"}, {"content", prompt.text}});
    return true;
}

bool apply_messages_system_prompt(Json& body, const config::SystemPrompt& prompt) {
    if (!body.is_object()) return false;
    const auto system = body.find("system");
    const bool present = system != body.end() && !system->is_null() &&
                         !(system->is_string() && system->get_ref<const std::string&>().empty());
    if (!present || prompt.mode == config::SystemPromptMode::replace) {
        body["system"] = prompt.text;
        return true;
    }
    if (prompt.mode == config::SystemPromptMode::if_missing) return false;
    if (system->is_string()) {
        *system = prompt.text + "\n\n" + system->get<std::string>();
    } else if (system->is_array()) {
        system->insert(system->begin(), Json{{"type", "text"}, {"text", prompt.text}});
    } else {
        return false;  // not Anthropic's shape: the backend will say so
    }
    return true;
}

}  // namespace infergate::policy
