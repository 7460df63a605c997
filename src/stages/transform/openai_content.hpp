// Reading an OpenAI chat message's content parts and tool calls, checked and in a form every
// provider's request translation renders its own way.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "request_json.hpp"

namespace infergate::transform {

// `param` + "[index]".
std::string at(const std::string& param, std::size_t index);

// The provider's 400 for what it cannot do (e.g. anthropic::unsupported).
using Unsupported = api::Error (*)(const std::string& param, std::string message);

// Which content parts a role may send.
enum class Parts { text, user, assistant };

struct ContentPart {
    enum class Kind { text, image_url, image_data };
    Kind kind = Kind::text;
    std::string text{};            // text (of a text or refusal part), the http(s) URL, or base64 data
    std::string media_type{};      // image_data: as the data: URL says
    std::string param{};           // where the part stood, for the provider's own 400s
    const Json* source = nullptr;  // the part as sent (provider extras); null for string content
};

// A message's content: a string, or an array of parts; null or absent adds nothing, and
// neither does an empty text (providers refuse empty text blocks). Images are http(s) or
// base64 data: URLs; other part kinds, or kinds `allowed` does not include, are 400s.
MaybeError read_content(const Json& message, const std::string& param, Parts allowed, Unsupported unsupported,
                        std::vector<ContentPart>& parts);

struct ToolCall {
    std::string id{};
    std::string name{};
    Json arguments{};  // the parsed `arguments`, always an object
};

// An assistant message's tool_calls (function calls only); the legacy function_call is a 400.
MaybeError read_tool_calls(const Json& message, const std::string& param, Unsupported unsupported,
                           std::vector<ToolCall>& calls);

// The 400 for a message's role, once a provider has handled user, assistant, system,
// developer and tool.
api::Error role_error(const std::string& role, const std::string& param, Unsupported unsupported);

}  // namespace infergate::transform
