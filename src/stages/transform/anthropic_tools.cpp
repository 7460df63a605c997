#include "anthropic_tools.hpp"

#include "openai_fields.hpp"

namespace infergate::transform::anthropic {

namespace {

MaybeError translate_tool(const Json& tool, const std::string& param, Json& tools) {
    FunctionTool function;
    if (auto error = read_function_tool(tool, param, unsupported, function)) return error;
    Json out = {{"name", *function.name}};
    if (function.description) out["description"] = *function.description;
    // A function without parameters takes none; Anthropic still wants a schema.
    out["input_schema"] = function.parameters ? *function.parameters
                                              : Json{{"type", "object"}, {"properties", Json::object()}};
    tools.push_back(std::move(out));
    return {};
}

MaybeError translate_choice(const Json& choice, Json& out) {
    ToolChoice read;
    if (auto error = read_tool_choice(choice, unsupported, read)) return error;
    if (read.mode == "function") out = {{"type", "tool"}, {"name", *read.name}};
    else if (read.mode == "required") out = {{"type", "any"}};
    else out = {{"type", read.mode}};
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
            if (auto error = translate_tool((*tools)[i], at("tools", i), out)) return error;
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
