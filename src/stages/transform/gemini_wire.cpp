#include "gemini_wire.hpp"

#include <array>

namespace infergate::transform::gemini {

bool read_answer(std::string_view body, Answer& answer) {
    auto on_member = [&answer](const json::Member& member) {
        const bool object = member.kind == json::Kind::object;
        const bool string = member.kind == json::Kind::string;
        if (member.key == "candidates" && member.kind == json::Kind::array) answer.candidates = member;
        else if (member.key == "promptFeedback" && object) answer.prompt_feedback = member;
        else if (member.key == "usageMetadata" && object) answer.usage = member;
        else if (member.key == "modelVersion" && string) answer.model_version = member;
        else if (member.key == "responseId" && string) answer.response_id = member;
        else if (member.key == "error" && object) answer.error = member;
    };
    return !json::scan_object(body, kMaxUpstreamDepth, on_member);
}

bool read_first_candidate(const json::Member& candidates, Candidate& candidate) {
    bool found = false;
    auto on_field = [&candidate](const json::Member& field) {
        if (field.key == "finishReason" && field.kind == json::Kind::string) candidate.finish_reason = field;
        if (field.key != "content" || field.kind != json::Kind::object) return;
        auto on_content = [&candidate](const json::Member& content) {
            if (content.key == "parts" && content.kind == json::Kind::array) candidate.parts = content;
        };
        json::scan_object(field.value, kMaxUpstreamDepth, on_content);
    };
    auto on_candidate = [&](const json::Member& element) {
        // OpenAI's answer has one choice (n > 1 is refused): the first candidate is the answer.
        if (found) return;
        found = true;
        if (element.kind == json::Kind::object) json::scan_object(element.value, kMaxUpstreamDepth, on_field);
    };
    for_each_element(candidates.value, on_candidate);
    return found;
}

Part read_part(std::string_view part_object) {
    Part part;
    auto on_call = [&part](const json::Member& field) {
        if (field.key == "name" && field.kind == json::Kind::string) part.function_name = field;
        else if (field.key == "args" && field.kind == json::Kind::object) part.function_args = field.value;
    };
    auto on_field = [&](const json::Member& field) {
        if (field.key == "text" && field.kind == json::Kind::string) {
            part.text = field;
        } else if (field.key == "thought" && field.kind == json::Kind::boolean) {
            part.thought = field.value == "true";
        } else if (field.key == "functionCall" && field.kind == json::Kind::object) {
            part.function_call = true;
            json::scan_object(field.value, kMaxUpstreamDepth, on_call);
        }
    };
    json::scan_object(part_object, kMaxUpstreamDepth, on_field);
    part.valid = !part.function_call || part.function_name.has_value();
    return part;
}

std::string completion_id(const std::optional<json::Member>& response_id, std::int64_t created) {
    // The token's opening quote is replaced: its escapes stay valid.
    if (response_id) return "\"chatcmpl-" + std::string(response_id->value.substr(1));
    return "\"chatcmpl-gemini-" + std::to_string(created) + '"';
}

std::string completion_model(const std::optional<json::Member>& model_version, std::string_view backend) {
    if (model_version) return std::string(model_version->value);
    std::string quoted;
    json::append_quoted(quoted, backend);
    return quoted;
}

std::string tool_call_id(std::uint32_t index) { return "call_" + std::to_string(index); }

std::string_view finish_reason(const json::Member& reason, bool made_tool_calls) {
    if (made_tool_calls) return "tool_calls";
    if (is_string(reason, "MAX_TOKENS")) return "length";
    constexpr std::array<std::string_view, 6> kFiltered{"SAFETY", "RECITATION", "BLOCKLIST",
                                                        "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"};
    for (const std::string_view filtered : kFiltered) {
        if (is_string(reason, filtered)) return "content_filter";
    }
    return "stop";
}

std::optional<std::string> block_reason(const json::Member& prompt_feedback) {
    std::optional<std::string> reason;
    auto on_field = [&reason](const json::Member& field) {
        if (field.key == "blockReason" && field.kind == json::Kind::string) reason = json::decode_string(field.value);
    };
    json::scan_object(prompt_feedback.value, kMaxUpstreamDepth, on_field);
    return reason;
}

api::Error prompt_blocked(std::string_view reason) {
    return api::invalid_request("The prompt was blocked by the provider's content filter (blockReason " +
                                    std::string(reason.substr(0, 64)) + ").",
                                "messages", "content_filter");
}

}  // namespace infergate::transform::gemini
