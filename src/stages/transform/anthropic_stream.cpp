#include "infergate/stages/transform/anthropic_stream.hpp"

#include "anthropic_wire.hpp"
#include "chunk_writer.hpp"
#include "infergate/stages/transform/anthropic_errors.hpp"

namespace infergate::transform::anthropic {

namespace {

// Content block indexes count up from 0; a larger one is a broken or hostile upstream.
constexpr std::int64_t kMaxBlocks = 4096;

// The data of an SSE event's `event:` line, if any (one leading space removed).
std::string_view event_name(std::string_view raw_event) {
    while (!raw_event.empty()) {
        const std::size_t end = raw_event.find_first_of("\r\n");
        const std::string_view line = raw_event.substr(0, end);
        if (line.starts_with("event:")) {
            std::string_view name = line.substr(6);
            if (name.starts_with(' ')) name.remove_prefix(1);
            return name;
        }
        if (end == std::string_view::npos) break;
        raw_event.remove_prefix(end + 1);
    }
    return {};
}

}  // namespace

struct StreamTranslator::Event {
    std::optional<json::Member> type, index, message, content_block, delta, usage;
};

StreamTranslator::StreamTranslator(StreamOptions options) : ChunkStream(std::move(options)) {}

void StreamTranslator::on_sse_event(std::string_view raw_event, std::string& out) {
    const std::optional<std::string_view> data = sse::first_data(raw_event);
    if (data) on_event(event_name(raw_event), *data, out);
}

void StreamTranslator::on_event(std::string_view name, std::string_view data, std::string& out) {
    if (finished()) return;
    Event event;
    auto on_member = [&event](const json::Member& member) {
        if (member.key == "type") event.type = member;
        else if (member.key == "index") event.index = member;
        else if (member.key == "message") event.message = member;
        else if (member.key == "content_block") event.content_block = member;
        else if (member.key == "delta") event.delta = member;
        else if (member.key == "usage") event.usage = member;
    };
    if (json::scan_object(data, kMaxUpstreamDepth, on_member)) {
        return invalid("an event's data is not a JSON object", out);
    }
    auto is = [&](std::string_view type) {
        return event.type ? is_string(*event.type, type) : name == type;
    };
    if (is("ping")) return;
    if (is("error")) return fail(translate_stream_error(data, options().backend), out);
    if (is("message_start")) return message_start(event, out);
    const bool in_message = is("content_block_start") || is("content_block_delta") ||
                            is("content_block_stop") || is("message_delta") || is("message_stop");
    // Another event type: Anthropic's versioning policy allows new ones; clients ignore them.
    if (!in_message) return;
    if (!started()) return invalid("the stream did not begin with message_start", out);
    if (is("content_block_start")) return block_start(event, out);
    if (is("content_block_delta")) return block_delta(event, out);
    if (is("content_block_stop")) return block_stop(event, out);
    if (is("message_delta")) return message_delta(event, out);
    message_stop(out);
}

void StreamTranslator::message_start(const Event& event, std::string& out) {
    if (started()) return invalid("message_start came twice", out);
    std::optional<json::Member> id, model;
    auto on_field = [&](const json::Member& field) {
        if (field.key == "id" && field.kind == json::Kind::string) id = field;
        else if (field.key == "model" && field.kind == json::Kind::string) model = field;
        else if (field.key == "usage" && field.kind == json::Kind::object) tokens_.read(field.value);
    };
    if (event.message && event.message->kind == json::Kind::object) {
        json::scan_object(event.message->value, kMaxUpstreamDepth, on_field);
    }
    if (!id || !model) return invalid("message_start has no message id or model", out);
    start(id->value, model->value, out);
}

StreamTranslator::Block* StreamTranslator::block_at(const Event& event) {
    if (!event.index || event.index->kind != json::Kind::number) return nullptr;
    const auto index = json::parse_integer(event.index->value);
    if (!index || *index < 0 || *index >= kMaxBlocks) return nullptr;
    const auto at = static_cast<std::size_t>(*index);
    if (at >= blocks_.size()) blocks_.resize(at + 1);
    return &blocks_[at];
}

void StreamTranslator::block_start(const Event& event, std::string& out) {
    Block* block = block_at(event);
    if (!block || !event.content_block || event.content_block->kind != json::Kind::object) {
        return invalid("a content_block_start has no index or content block", out);
    }
    const BlockFields fields = read_block_fields(event.content_block->value);
    if (!fields.type) return invalid("a content block has no type", out);
    *block = Block{};
    if (is_string(*fields.type, "text")) {
        block->kind = BlockKind::text;
        append_text(out, R"({"content":)", fields.text);
    } else if (is_string(*fields.type, "thinking")) {
        block->kind = BlockKind::thinking;
        append_text(out, R"({"reasoning_content":)", fields.thinking);
    } else if (is_string(*fields.type, "tool_use")) {
        if (!fields.id || !fields.name) return invalid("a tool_use block has no id or name", out);
        block->kind = BlockKind::tool_use;
        block->tool_index = tool_calls_++;
        append_tool_delta(out, *block, {R"(,"id":)", fields.id->value, R"(,"type":"function","function":{"name":)",
                                        fields.name->value, R"(,"arguments":""})"});
    }
    // redacted_thinking, server tool blocks and blocks added later have no OpenAI form.
}

void StreamTranslator::block_delta(const Event& event, std::string& out) {
    Block* block = block_at(event);
    if (!block || !event.delta || event.delta->kind != json::Kind::object) {
        return invalid("a content_block_delta has no index or delta", out);
    }
    const BlockFields fields = read_block_fields(event.delta->value);
    if (!fields.type) return invalid("a delta has no type", out);
    if (is_string(*fields.type, "text_delta")) {
        append_text(out, R"({"content":)", fields.text);
    } else if (is_string(*fields.type, "thinking_delta")) {
        append_text(out, R"({"reasoning_content":)", fields.thinking);
    } else if (is_string(*fields.type, "input_json_delta") && fields.partial_json) {
        if (block->kind != BlockKind::tool_use) return invalid("tool input outside a tool_use block", out);
        if (is_empty_string(*fields.partial_json)) return;
        block->has_arguments = true;
        append_tool_delta(out, *block, {R"(,"function":{"arguments":)", fields.partial_json->value, "}"});
    }
    // signature_delta, citations_delta: nothing in OpenAI's chunk carries them.
}

void StreamTranslator::block_stop(const Event& event, std::string& out) {
    Block* block = block_at(event);
    if (!block) return invalid("a content_block_stop has no index", out);
    if (block->kind == BlockKind::tool_use && !block->has_arguments) {
        // A tool without parameters streams no input: its arguments must still parse as JSON.
        block->has_arguments = true;
        append_tool_delta(out, *block, {R"(,"function":{"arguments":"{}"})"});
    }
}

void StreamTranslator::message_delta(const Event& event, std::string& out) {
    if (event.usage && event.usage->kind == json::Kind::object) tokens_.read(event.usage->value);
    if (finish_sent_) return;
    std::optional<json::Member> stop_reason;
    auto on_field = [&](const json::Member& field) {
        if (field.key == "stop_reason") stop_reason = field;
    };
    if (event.delta && event.delta->kind == json::Kind::object) {
        json::scan_object(event.delta->value, kMaxUpstreamDepth, on_field);
    }
    if (!stop_reason || stop_reason->kind == json::Kind::null) return;  // not the last delta
    finish_sent_ = true;
    append_chunk(out, {"{}"}, finish_reason(*stop_reason));
}

void StreamTranslator::message_stop(std::string& out) {
    if (!finish_sent_) {
        finish_sent_ = true;
        append_chunk(out, {"{}"}, "stop");
    }
    std::string usage;
    append_openai_usage(usage, tokens_);
    complete(usage, out);
}

void StreamTranslator::append_text(std::string& out, std::string_view field,
                                   const std::optional<json::Member>& text) const {
    // The upstream's string token is valid JSON already: copied, not decoded and re-escaped.
    if (text && !is_empty_string(*text)) append_chunk(out, {field, text->value, "}"});
}

void StreamTranslator::append_tool_delta(std::string& out, const Block& block,
                                         std::initializer_list<std::string_view> fields) const {
    open_chunk(out, head());
    out += R"({"tool_calls":[{"index":)";
    out += std::to_string(block.tool_index);
    for (const std::string_view field : fields) out += field;
    out += "}]}";
    close_chunk(out, {});
}

}  // namespace infergate::transform::anthropic
