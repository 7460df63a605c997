#include "messages_ingress_tools.hpp"

namespace infergate::transform::messages_ingress {

namespace {

MaybeError translate_tool(const Json& tool, const std::string& param, Json& tools) {
    if (!tool.is_object()) return wrong_type(param, "an object");
    // Client tools have no type or "custom"; Anthropic's server tools (web_search_..., bash_...)
    // run at Anthropic, which an OpenAI backend cannot do.
    if (const Json* type = member(tool, "type"); type && *type != "custom") {
        return unsupported(param + ".type", "Only client tools (name, description, input_schema) are supported");
    }
    const Json* name = member(tool, "name");
    if (!name || !name->is_string()) return wrong_type(param + ".name", "a string");
    Json function = {{"name", *name}};
    if (const Json* description = member(tool, "description")) {
        if (!description->is_string()) return wrong_type(param + ".description", "a string");
        function["description"] = *description;
    }
    const Json* schema = member(tool, "input_schema");
    if (!schema || !schema->is_object()) return wrong_type(param + ".input_schema", "an object");
    function["parameters"] = *schema;
    tools.push_back({{"type", "function"}, {"function", std::move(function)}});
    return {};
}

// {"type":"auto"|"any"|"tool"|"none", "name":..., "disable_parallel_tool_use":bool}
MaybeError translate_choice(const Json& choice, Json& request) {
    const Json* type = choice.is_object() ? member(choice, "type") : nullptr;
    if (!type || !type->is_string()) return wrong_type("tool_choice.type", "a string");
    const auto& mode = type->get_ref<const std::string&>();
    if (mode == "auto" || mode == "none") {
        request["tool_choice"] = mode;
    } else if (mode == "any") {
        request["tool_choice"] = "required";
    } else if (mode == "tool") {
        const Json* name = member(choice, "name");
        if (!name || !name->is_string()) return wrong_type("tool_choice.name", "a string");
        request["tool_choice"] = {{"type", "function"}, {"function", {{"name", *name}}}};
    } else {
        return wrong_value("tool_choice.type", "Unknown tool_choice type '" + shown(mode) + "'.");
    }
    const Json* disable = member(choice, "disable_parallel_tool_use");
    if (disable && !disable->is_boolean()) return wrong_type("tool_choice.disable_parallel_tool_use", "a boolean");
    if (disable && disable->get<bool>() && mode != "none") request["parallel_tool_calls"] = false;
    return {};
}

}  // namespace

MaybeError translate_tools(const Json& anthropic, Json& request) {
    const Json* tools = member(anthropic, "tools");
    if (tools && !tools->is_array()) return wrong_type("tools", "an array");
    if (tools && !tools->empty()) {
        Json& out = request["tools"] = Json::array();
        for (std::size_t i = 0; i < tools->size(); ++i) {
            if (auto error = translate_tool((*tools)[i], at("tools", i), out)) return error;
        }
    }
    if (const Json* choice = member(anthropic, "tool_choice")) return translate_choice(*choice, request);
    return {};
}

}  // namespace infergate::transform::messages_ingress
