#include "infergate/stages/transform/anthropic_response.hpp"

#include <optional>

#include "anthropic_wire.hpp"
#include "completion_writer.hpp"

namespace infergate::transform::anthropic {

namespace {

struct Message {
    std::optional<json::Member> id, model, content, stop_reason, usage;
};

// Reads one content block; false when a tool_use block lacks what a tool call needs.
bool read_block(CompletionContent& content, std::string_view block) {
    const BlockFields fields = read_block_fields(block);
    if (!fields.type) return false;
    if (is_string(*fields.type, "text") && fields.text) {
        CompletionContent::join(content.text, json::decode_string(fields.text->value));
    } else if (is_string(*fields.type, "thinking") && fields.thinking) {
        CompletionContent::join(content.reasoning, json::decode_string(fields.thinking->value));
    } else if (is_string(*fields.type, "tool_use")) {
        if (!fields.id || !fields.name) return false;
        content.add_tool_call(fields.id->value, fields.name->value,
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
    CompletionContent content;
    bool blocks_valid = true;
    auto on_block = [&](const json::Member& block) {
        blocks_valid = blocks_valid && block.kind == json::Kind::object && read_block(content, block.value);
    };
    for_each_element(message.content->value, on_block);
    if (!blocks_valid) return api::upstream_invalid_response(backend, "a content block is malformed");

    ChatCompletion completion;
    if (message.usage) completion.tokens.read(message.usage->value);
    std::string usage;
    append_openai_usage(usage, completion.tokens);
    completion.body.reserve(body.size() + 256);
    // No stop_reason: a natural stop.
    append_completion(completion.body, message.id->value, created, message.model->value, content,
                      finish_reason(message.stop_reason.value_or(json::Member{})), usage);
    return completion;
}

}  // namespace infergate::transform::anthropic
