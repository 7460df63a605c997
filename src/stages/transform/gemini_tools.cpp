#include "gemini_tools.hpp"

#include "openai_fields.hpp"

namespace infergate::transform::gemini {

namespace {

MaybeError translate_tool(const Json& tool, const std::string& param, Json& declarations) {
    FunctionTool function;
    if (auto error = read_function_tool(tool, param, unsupported, function)) return error;
    Json out = {{"name", *function.name}};
    if (function.description) out["description"] = *function.description;
    // A function without parameters takes none: Gemini accepts a declaration without a schema.
    if (function.parameters) out["parameters"] = gemini_schema(*function.parameters);
    declarations.push_back(std::move(out));
    return {};
}

// auto, none, required -> AUTO, NONE, ANY; a function -> ANY restricted to it.
Json calling_config(const ToolChoice& choice) {
    if (choice.mode == "auto") return {{"mode", "AUTO"}};
    if (choice.mode == "none") return {{"mode", "NONE"}};
    if (choice.mode == "required") return {{"mode", "ANY"}};
    return {{"mode", "ANY"}, {"allowedFunctionNames", Json::array({*choice.name})}};
}

}  // namespace

MaybeError translate_tools(const Json& openai, Json& request) {
    const Json* tools = member(openai, "tools");
    if (tools && !tools->is_array()) return wrong_type("tools", "an array");
    if (tools && !tools->empty()) {
        Json declarations = Json::array();
        for (std::size_t i = 0; i < tools->size(); ++i) {
            if (auto error = translate_tool((*tools)[i], at("tools", i), declarations)) return error;
        }
        Json& out = request["tools"] = Json::array();
        out.push_back({{"functionDeclarations", std::move(declarations)}});
    }
    if (const Json* tool_choice = member(openai, "tool_choice")) {
        ToolChoice choice;
        if (auto error = read_tool_choice(*tool_choice, unsupported, choice)) return error;
        Json config = calling_config(choice);
        if (!request.contains("tools")) {
            // Without tools, "auto" and "none" say nothing, and a forced call cannot be made.
            if (config["mode"] == "ANY") return wrong_value("tool_choice", "tool_choice requires tools.");
            return {};
        }
        request["toolConfig"] = {{"functionCallingConfig", std::move(config)}};
    }
    return {};
}

}  // namespace infergate::transform::gemini
