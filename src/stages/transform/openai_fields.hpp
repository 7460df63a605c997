// Reading an OpenAI chat request's top-level fields, checked, for every provider's request
// translation: the body, max tokens, stop, stream flags, tools and tool_choice, and the
// refusals every provider shares.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "openai_content.hpp"

namespace infergate::transform {

// The body as a JSON object (depth-bounded before parsing: the DOM parser recurses once per
// level), or the 400.
std::variant<Json, api::Error> parse_body(std::string_view body);
// The required `messages`, or the 400 for its absence.
std::variant<const Json*, api::Error> required_messages(const Json& openai);

// max_completion_tokens or max_tokens (the current name wins, as api::ProxyRequest reads it);
// nullopt when neither is set.
MaybeError read_max_tokens(const Json& openai, std::optional<std::int64_t>& max_tokens);
// stop (a string or an array of strings) as an array; empty when absent.
MaybeError read_stop(const Json& openai, Json& sequences);
// stream and stream_options.include_usage.
MaybeError read_stream(const Json& openai, bool& stream, bool& include_usage);

// What no provider translation can give: n > 1, logprobs, legacy functions, audio output,
// predicted outputs.
MaybeError refuse_common(const Json& openai, Unsupported unsupported);

// One tool of `tools`: a function with its name, and description and parameters when given.
struct FunctionTool {
    const Json* name = nullptr;
    const Json* description = nullptr;
    const Json* parameters = nullptr;  // an object
};
MaybeError read_function_tool(const Json& tool, const std::string& param, Unsupported unsupported,
                              FunctionTool& function);

// tool_choice: "auto" | "none" | "required" | {"type":"function","function":{"name":...}}.
struct ToolChoice {
    std::string mode;             // auto, none, required or function
    const Json* name = nullptr;   // function: the function's name
};
MaybeError read_tool_choice(const Json& choice, Unsupported unsupported, ToolChoice& out);

}  // namespace infergate::transform
