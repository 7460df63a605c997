#include "infergate/stages/transform/gemini_response.hpp"

#include "completion_writer.hpp"
#include "gemini_wire.hpp"

namespace infergate::transform::gemini {

namespace {

// Reads one part into `content`; false when a function call has no name.
bool read_one(CompletionContent& content, std::uint32_t& calls, std::string_view part_object) {
    const Part part = read_part(part_object);
    if (!part.valid) return false;
    if (part.function_call) {
        content.add_tool_call('"' + tool_call_id(calls++) + '"', part.function_name->value, part.function_args);
    } else if (part.text) {
        CompletionContent::join(part.thought ? content.reasoning : content.text, json::decode_string(part.text->value));
    }
    return true;
}

}  // namespace

std::variant<ChatCompletion, api::Error> translate_response(std::string_view body, std::int64_t created,
                                                            std::string_view backend) {
    Answer answer;
    if (!read_answer(body, answer)) return api::upstream_invalid_response(backend, "the body is not a JSON object");
    Candidate candidate;
    if (!answer.candidates || !read_first_candidate(*answer.candidates, candidate)) {
        if (answer.prompt_feedback) {
            if (auto reason = block_reason(*answer.prompt_feedback)) return prompt_blocked(*reason);
        }
        return api::upstream_invalid_response(backend, "the answer has no candidates");
    }
    CompletionContent content;
    std::uint32_t calls = 0;
    bool parts_valid = true;
    auto on_part = [&](const json::Member& part) {
        parts_valid = parts_valid && part.kind == json::Kind::object && read_one(content, calls, part.value);
    };
    if (candidate.parts) for_each_element(candidate.parts->value, on_part);
    if (!parts_valid) return api::upstream_invalid_response(backend, "a part is malformed");

    ChatCompletion result;
    if (answer.usage) result.tokens.read(answer.usage->value);
    std::string usage;
    append_openai_usage(usage, result.tokens);
    // A candidate without a finishReason (none documented) reads as a natural stop.
    append_completion(result.body, completion_id(answer.response_id, created), created,
                      completion_model(answer.model_version, backend), content,
                      finish_reason(candidate.finish_reason.value_or(json::Member{}), calls > 0), usage);
    return result;
}

}  // namespace infergate::transform::gemini
