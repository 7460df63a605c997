#include "completion_writer.hpp"

#include <iterator>

#include <fmt/format.h>

#include "infergate/json/scanner.hpp"

namespace infergate::transform {

void CompletionContent::join(std::optional<std::string>& into, std::string_view text) {
    if (!into) into.emplace();
    into->append(text);
}

void CompletionContent::add_tool_call(std::string_view id, std::string_view name, std::string_view arguments) {
    if (!tool_calls.empty()) tool_calls += ',';
    fmt::format_to(std::back_inserter(tool_calls),
                   R"({{"id":{},"type":"function","function":{{"name":{},"arguments":)", id, name);
    json::append_quoted(tool_calls, arguments);
    tool_calls += "}}";
}

void append_completion(std::string& out, std::string_view id, std::int64_t created, std::string_view model,
                       const CompletionContent& content, std::string_view finish, std::string_view usage) {
    fmt::format_to(std::back_inserter(out),
                   R"({{"id":{},"object":"chat.completion","created":{},"model":{},)"
                   R"("choices":[{{"index":0,"message":{{"role":"assistant","content":)",
                   id, created, model);
    if (content.text) json::append_quoted(out, *content.text);
    else out += "null";
    out += R"(,"refusal":null)";
    if (content.reasoning) {
        out += R"(,"reasoning_content":)";
        json::append_quoted(out, *content.reasoning);
    }
    if (!content.tool_calls.empty()) out.append(R"(,"tool_calls":[)").append(content.tool_calls).append("]");
    out += R"(},"logprobs":null,"finish_reason":")";
    out += finish;
    out += R"("}],"usage":)";
    out += usage;
    out += '}';
}

}  // namespace infergate::transform
