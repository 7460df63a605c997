#include "infergate/stages/transform/anthropic_response.hpp"

#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "anthropic_wire.hpp"

namespace infergate::transform::anthropic {

namespace {

struct Message {
    std::optional<json::Member> id, model, content, stop_reason, usage;
};

// What the content blocks say, in OpenAI's terms.
struct Content {
    std::optional<std::string> text;
    std::optional<std::string> reasoning;
    std::string tool_calls;  // the array's elements, comma-separated
};

void append_tool_call(Content& content, const json::Member& id, const json::Member& name,
                      std::string_view input) {
    if (!content.tool_calls.empty()) content.tool_calls += ',';
    fmt::format_to(std::back_inserter(content.tool_calls),
                   R"({{"id":{},"type":"function","function":{{"name":{},"arguments":)", id.value,
                   name.value);
    json::append_quoted(content.tool_calls, input);
    content.tool_calls += "}}";
}

// Reads one content block; false when a tool_use block lacks what a tool call needs.
bool read_block(Content& content, std::string_view block) {
    const BlockFields fields = read_block_fields(block);
    if (!fields.type) return false;
    if (is_string(*fields.type, "text") && fields.text) {
        content.text = content.text.value_or("") + json::decode_string(fields.text->value);
    } else if (is_string(*fields.type, "thinking") && fields.thinking) {
        content.reasoning = content.reasoning.value_or("") + json::decode_string(fields.thinking->value);
    } else if (is_string(*fields.type, "tool_use")) {
        if (!fields.id || !fields.name) return false;
        append_tool_call(content, *fields.id, *fields.name,
                         fields.input ? fields.input->value : std::string_view("{}"));
    }
    // redacted_thinking, server tool blocks and blocks added later have no OpenAI form.
    return true;
}

}  // namespace

std::variant<ChatCompletion, api::Error> translate_response(std::string_view body, std::int64_t created,
                                                            std::string_view backend) {
    Message message;
    auto on_member = [&message](const json::Member& member) {
        if (member.key == "id" && member.kind == json::Kind::string) message.id = member;
        else if (member.key == "model" && member.kind == json::Kind::string) message.model = member;
        else if (member.key == "content" && member.kind == json::Kind::array) message.content = member;
        else if (member.key == "stop_reason") message.stop_reason = member;
        else if (member.key == "usage" && member.kind == json::Kind::object) message.usage = member;
    };
    if (json::scan_object(body, kMaxUpstreamDepth, on_member)) {
        return api::upstream_invalid_response(backend, "the body is not a JSON object");
    }
    if (!message.id || !message.model || !message.content) {
        return api::upstream_invalid_response(backend, "the answer has no id, model or content");
    }
    Content content;
    bool blocks_valid = true;
    auto on_block = [&](const json::Member& block) {
        blocks_valid = blocks_valid && block.kind == json::Kind::object && read_block(content, block.value);
    };
    for_each_element(message.content->value, on_block);
    if (!blocks_valid) return api::upstream_invalid_response(backend, "a content block is malformed");

    ChatCompletion completion;
    if (message.usage) completion.tokens.read(message.usage->value);
    std::string& out = completion.body;
    out.reserve(body.size() + 256);
    fmt::format_to(std::back_inserter(out),
                   R"({{"id":{},"object":"chat.completion","created":{},"model":{},)"
                   R"("choices":[{{"index":0,"message":{{"role":"assistant","content":)",
                   message.id->value, created, message.model->value);
    if (content.text) json::append_quoted(out, *content.text);
    else out += "null";
    out += R"(,"refusal":null)";
    if (content.reasoning) {
        out += R"(,"reasoning_content":)";
        json::append_quoted(out, *content.reasoning);
    }
    if (!content.tool_calls.empty()) out.append(R"(,"tool_calls":[)").append(content.tool_calls).append("]");
    out += R"(},"logprobs":null,"finish_reason":")";
    out += finish_reason(message.stop_reason.value_or(json::Member{}));  // none: a natural stop
    out += R"("}],"usage":)";
    append_openai_usage(out, completion.tokens);
    out += '}';
    return completion;
}

}  // namespace infergate::transform::anthropic
