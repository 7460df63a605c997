#include "anthropic_tools.hpp"

namespace infergate::transform::anthropic {

namespace {

MaybeError translate_tool(const Json& tool, const std::string& param, Json& tools) {
    const Json* type = tool.is_object() ? member(tool, "type") : nullptr;
    if (!type || *type != "function") {
        return unsupported(param + ".type", "Only tools of type 'function' are supported");
    }
    const Json* function = member(tool, "function");
    const Json* name = function && function->is_object() ? member(*function, "name") : nullptr;
    if (!name || !name->is_string()) return wrong_type(param + ".function.name", "a string");
    Json out = {{"name", *name}};
    if (const Json* description = member(*function, "description")) {
        if (!description->is_string()) return wrong_type(param + ".function.description", "a string");
        out["description"] = *description;
    }
    // A function without parameters takes none; Anthropic still wants a schema.
    const Json* parameters = member(*function, "parameters");
    if (parameters && !parameters->is_object()) return wrong_type(param + ".function.parameters", "an object");
    out["input_schema"] = parameters ? *parameters : Json{{"type", "object"}, {"properties", Json::object()}};
    tools.push_back(std::move(out));
    return {};
}

// tool_choice: "auto" | "none" | "required" | {"type":"function","function":{"name":...}}.
MaybeError translate_choice(const Json& choice, Json& out) {
    if (choice.is_string()) {
        const auto& mode = choice.get_ref<const std::string&>();
        if (mode == "auto" || mode == "none") out = {{"type", mode}};
        else if (mode == "required") out = {{"type", "any"}};
        else return wrong_value("tool_choice", "Unknown tool_choice '" + shown(mode) + "'.");
        return {};
    }
    const Json* type = choice.is_object() ? member(choice, "type") : nullptr;
    if (!type || *type != "function") {
        return unsupported("tool_choice", "tool_choice must be auto, none, required or a function");
    }
    const Json* function = member(choice, "function");
    const Json* name = function && function->is_object() ? member(*function, "name") : nullptr;
    if (!name || !name->is_string()) return wrong_type("tool_choice.function.name", "a string");
    out = {{"type", "tool"}, {"name", *name}};
    return {};
}

}  // namespace

MaybeError translate_tools(const Json& openai, Json& request) {
    const Json* tools = member(openai, "tools");
    if (tools && !tools->is_array()) return wrong_type("tools", "an array");
    const bool has_tools = tools && !tools->empty();
    if (has_tools) {
        Json& out = request["tools"] = Json::array();
        for (std::size_t i = 0; i < tools->size(); ++i) {
            const std::string param = "tools[" + std::to_string(i) + "]";
            if (auto error = translate_tool((*tools)[i], param, out)) return error;
        }
    }
    Json choice;
    if (const Json* tool_choice = member(openai, "tool_choice")) {
        if (auto error = translate_choice(*tool_choice, choice)) return error;
    }
    const Json* parallel = member(openai, "parallel_tool_calls");
    if (parallel && !parallel->is_boolean()) return wrong_type("parallel_tool_calls", "a boolean");
    if (!has_tools) {
        // Without tools, "auto" and "none" say nothing; a forced tool is Anthropic's to refuse.
        if (!choice.is_null() && choice["type"] != "auto" && choice["type"] != "none") {
            request["tool_choice"] = std::move(choice);
        }
        return {};
    }
    if (parallel && !parallel->get<bool>()) {
        if (choice.is_null()) choice = {{"type", "auto"}};
        if (choice["type"] != "none") choice["disable_parallel_tool_use"] = true;
    }
    if (!choice.is_null()) request["tool_choice"] = std::move(choice);
    return {};
}

}  // namespace infergate::transform::anthropic
