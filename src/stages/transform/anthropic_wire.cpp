#include "anthropic_wire.hpp"

namespace infergate::transform::anthropic {

BlockFields read_block_fields(std::string_view object) {
    BlockFields fields;
    auto on_field = [&fields](const json::Member& field) {
        const bool string = field.kind == json::Kind::string;
        if (field.key == "type" && string) fields.type = field;
        else if (field.key == "id" && string) fields.id = field;
        else if (field.key == "name" && string) fields.name = field;
        else if (field.key == "text" && string) fields.text = field;
        else if (field.key == "thinking" && string) fields.thinking = field;
        else if (field.key == "partial_json" && string) fields.partial_json = field;
        else if (field.key == "input" && field.kind == json::Kind::object) fields.input = field;
    };
    json::scan_object(object, kMaxUpstreamDepth, on_field);
    return fields;
}

std::string_view finish_reason(const json::Member& stop_reason) {
    if (is_string(stop_reason, "max_tokens") ||
        is_string(stop_reason, "model_context_window_exceeded")) {
        return "length";
    }
    if (is_string(stop_reason, "tool_use")) return "tool_calls";
    if (is_string(stop_reason, "refusal")) return "content_filter";
    return "stop";
}

}  // namespace infergate::transform::anthropic
