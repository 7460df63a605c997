#include "infergate/stages/transform/messages_ingress_stream.hpp"

#include "anthropic_wire.hpp"
#include "upstream_json.hpp"
#include "infergate/stages/transform/messages_ingress_errors.hpp"
#include "messages_ingress_wire.hpp"

namespace infergate::transform::messages_ingress {

namespace {


// Tool call indexes count up from 0; a larger one is a broken or hostile backend.
constexpr std::int64_t kMaxToolCalls = 4096;

// A non-empty string: empty deltas (the role chunk's content "") open no block.
bool is_text(const json::Member& member) { return member.kind == json::Kind::string && member.value != "\"\""; }

std::string_view inner(const json::Member& string) { return string.value.substr(1, string.value.size() - 2); }

// One Anthropic event: `event: name`, then data `{"type":"name"` + `fields` + `}`.
void append_event(std::string& out, std::string_view name, std::initializer_list<std::string_view> fields) {
    out.append("event: ").append(name).append("\ndata: {\"type\":\"").append(name).append("\"");
    for (const std::string_view field : fields) out += field;
    out += "}\n\n";
}

}  // namespace

StreamTranslator::StreamTranslator(StreamOptions options) : options_(std::move(options)) {}

void StreamTranslator::on_sse_event(std::string_view raw_event, std::string& out) {
    if (finished_) return;
    const std::optional<std::string_view> data = sse::first_data(raw_event);
    if (!data) return;
    if (sse::is_done_event(raw_event)) return done(out);
    on_chunk(*data, out);
}

void StreamTranslator::finish(std::string& out) {
    if (!finished_) invalid("the stream ended before [DONE]", out);
}

void StreamTranslator::on_chunk(std::string_view data, std::string& out) {
    std::optional<json::Member> id, model, choices, error;
    auto on_member = [&](const json::Member& member) {
        if (member.key == "id" && member.kind == json::Kind::string) id = member;
        else if (member.key == "model" && member.kind == json::Kind::string) model = member;
        else if (member.key == "choices" && member.kind == json::Kind::array) choices = member;
        else if (member.key == "error" && member.kind == json::Kind::object) error = member;
        else if (member.key == "usage" && member.kind == json::Kind::object) usage_ = sse::read_usage(member.value);
    };
    if (json::scan_object(data, kMaxUpstreamDepth, on_member)) return invalid("a chunk is not a JSON object", out);
    if (error) return fail(stream_error(error->value, options_.backend), out);
    std::optional<json::Member> first;
    auto take_first = [&first](const json::Member& choice) {
        if (!first) first = choice;
    };
    if (choices) for_each_element(choices->value, take_first);
    // A chunk without choices (the usage chunk, Azure's prompt filter results) opens nothing.
    if (!first) return;
    if (first->kind != json::Kind::object) return invalid("a choice is not an object", out);
    if (!started_) start(id, model, out);
    if (!finished_) on_choice(first->value, out);  // n > 1 is not asked for: choice 0 only
}

void StreamTranslator::start(const std::optional<json::Member>& id, const std::optional<json::Member>& model,
                             std::string& out) {
    if (!id || (!model && !options_.model)) return invalid("the first chunk has no id or model", out);
    message_id_ = inner(*id);
    std::string model_token;
    if (options_.model) json::append_quoted(model_token, *options_.model);
    else model_token = model->value;
    std::string usage;
    append_usage(usage, {});
    append_event(out, "message_start",
                 {R"(,"message":{"id":"msg_)", message_id_, R"(","type":"message","role":"assistant","content":[],)",
                  R"("model":)", model_token, R"(,"stop_reason":null,"stop_sequence":null,"usage":)", usage, "}"});
    started_ = true;
}

void StreamTranslator::on_choice(std::string_view choice, std::string& out) {
    std::optional<json::Member> delta, finish_reason, matched;
    auto on_field = [&](const json::Member& field) {
        if (field.key == "delta" && field.kind == json::Kind::object) delta = field;
        else if (field.key == "finish_reason" && field.kind == json::Kind::string) finish_reason = field;
        else if (field.key == "stop_reason" && field.kind == json::Kind::string) matched = field;  // vLLM's
    };
    json::scan_object(choice, kMaxUpstreamDepth, on_field);
    if (delta) on_delta(delta->value, out);
    if (!finish_reason || finished_) return;
    close_block(out);
    const std::string reason = json::decode_string(finish_reason->value);
    if (reason == "stop" && matched) {
        stop_reason_ = "stop_sequence";
        stop_sequence_ = matched->value;
    } else {
        stop_reason_ = stop_reason(reason);
    }
}

void StreamTranslator::on_delta(std::string_view delta, std::string& out) {
    std::optional<json::Member> reasoning, content, tool_calls;
    auto on_field = [&](const json::Member& field) {
        if ((field.key == "reasoning_content" || field.key == "reasoning") && is_text(field)) reasoning = field;
        else if (field.key == "content" && is_text(field)) content = field;
        else if (field.key == "tool_calls" && field.kind == json::Kind::array) tool_calls = field;
    };
    json::scan_object(delta, kMaxUpstreamDepth, on_field);
    if (reasoning) text_delta(BlockKind::thinking, *reasoning, out);
    if (content) text_delta(BlockKind::text, *content, out);
    if (!tool_calls) return;
    auto on_call = [&](const json::Member& call) {
        if (finished_) return;
        if (call.kind != json::Kind::object) return invalid("a tool call is not an object", out);
        tool_delta(call.value, out);
    };
    for_each_element(tool_calls->value, on_call);
}

void StreamTranslator::text_delta(BlockKind kind, const json::Member& text, std::string& out) {
    const bool thinking = kind == BlockKind::thinking;
    if (open_ != kind) {
        open_block(kind, {thinking ? R"({"type":"thinking","thinking":"","signature":""})" : R"({"type":"text","text":""})"},
                   out);
    }
    append_event(out, "content_block_delta",
                 {R"(,"index":)", std::to_string(open_index_),
                  thinking ? R"(,"delta":{"type":"thinking_delta","thinking":)" : R"(,"delta":{"type":"text_delta","text":)",
                  text.value, "}"});
}

void StreamTranslator::tool_delta(std::string_view call, std::string& out) {
    std::optional<json::Member> index, id, function, name, arguments;
    auto on_field = [&](const json::Member& field) {
        if (field.key == "index" && field.kind == json::Kind::number) index = field;
        else if (field.key == "id" && is_text(field)) id = field;
        else if (field.key == "function" && field.kind == json::Kind::object) function = field;
    };
    json::scan_object(call, kMaxUpstreamDepth, on_field);
    auto on_function = [&](const json::Member& field) {
        if (field.key == "name" && is_text(field)) name = field;
        else if (field.key == "arguments" && field.kind == json::Kind::string) arguments = field;
    };
    if (function) json::scan_object(function->value, kMaxUpstreamDepth, on_function);
    const auto tool = index ? json::parse_integer(index->value) : std::nullopt;
    if (!tool || *tool < 0 || *tool >= kMaxToolCalls) return invalid("a tool call has no valid index", out);
    const auto at = static_cast<std::size_t>(*tool);
    if (at >= tool_blocks_.size()) tool_blocks_.resize(at + 1, -1);
    if (tool_blocks_[at] < 0) {
        if (!name) return invalid("a tool call's first chunk has no function name", out);
        // Some backends send no id: one unique within the message will do for tool_result.
        const std::string made_id = "\"toolu_" + message_id_ + "_" + std::to_string(at) + "\"";
        open_block(BlockKind::tool_use,
                   {R"({"type":"tool_use","id":)", id ? id->value : std::string_view(made_id), R"(,"name":)",
                    name->value, R"(,"input":{}})"},
                   out);
        tool_blocks_[at] = open_index_;
    }
    if (!arguments || arguments->value == "\"\"") return;
    append_event(out, "content_block_delta",
                 {R"(,"index":)", std::to_string(tool_blocks_[at]),
                  R"(,"delta":{"type":"input_json_delta","partial_json":)", arguments->value, "}"});
}

void StreamTranslator::open_block(BlockKind kind, std::initializer_list<std::string_view> content_block,
                                  std::string& out) {
    close_block(out);
    open_ = kind;
    open_index_ = next_index_++;
    out.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":")
        .append(std::to_string(open_index_))
        .append(",\"content_block\":");
    for (const std::string_view part : content_block) out += part;
    out += "}\n\n";
}

void StreamTranslator::close_block(std::string& out) {
    if (open_ == BlockKind::none) return;
    append_event(out, "content_block_stop", {R"(,"index":)", std::to_string(open_index_)});
    open_ = BlockKind::none;
}

void StreamTranslator::done(std::string& out) {
    if (!started_) return invalid("the stream ended without a choice", out);
    close_block(out);
    std::string usage;
    append_usage(usage, usage_);
    append_event(out, "message_delta",
                 {R"(,"delta":{"stop_reason":")", stop_reason_, R"(","stop_sequence":)", stop_sequence_,
                  R"(},"usage":)", usage});
    append_event(out, "message_stop", {});
    finished_ = true;
}

void StreamTranslator::fail(api::Error error, std::string& out) {
    append_error_event(out, error);
    error_ = std::move(error);
    finished_ = true;
}

void StreamTranslator::invalid(std::string_view what, std::string& out) {
    fail(api::upstream_invalid_response(options_.backend, what), out);
}

}  // namespace infergate::transform::messages_ingress
