// Writing an OpenAI chat.completion body, as every provider's answer translation does: the
// upstream's JSON tokens copied where they are already valid, not decoded and re-escaped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace infergate::transform {

// What an answer says, in OpenAI's terms.
struct CompletionContent {
    std::optional<std::string> text;       // message.content (null when none)
    std::optional<std::string> reasoning;  // message.reasoning_content, only when any
    std::string tool_calls;                // the tool_calls array's elements, comma-separated

    // Adds a text to `text` or to `reasoning`: parts join as a stream's deltas do.
    static void join(std::optional<std::string>& into, std::string_view text);
    // Adds a function call: `id` and `name` are JSON string tokens, `arguments` a JSON object
    // (sent as a string, as OpenAI's format has it).
    void add_tool_call(std::string_view id, std::string_view name, std::string_view arguments);
};

// Appends the body: `id` and `model` are JSON string tokens, `usage` is OpenAI's usage object.
void append_completion(std::string& out, std::string_view id, std::int64_t created, std::string_view model,
                       const CompletionContent& content, std::string_view finish, std::string_view usage);

}  // namespace infergate::transform
