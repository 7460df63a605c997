#include "infergate/stages/transform/gemini_stream.hpp"

#include "gemini_wire.hpp"
#include "infergate/stages/transform/gemini_errors.hpp"

namespace infergate::transform::gemini {

StreamTranslator::StreamTranslator(transform::StreamOptions options) : ChunkStream(std::move(options)) {}

void StreamTranslator::on_sse_event(std::string_view raw_event, std::string& out) {
    const std::optional<std::string_view> data = sse::first_data(raw_event);
    if (data) on_event(*data, out);
}

void StreamTranslator::on_event(std::string_view data, std::string& out) {
    if (finished()) return;
    Answer answer;
    if (!read_answer(data, answer)) return invalid("an event's data is not a JSON object", out);
    if (answer.error) return fail(translate_stream_error(data, options().backend), out);
    if (answer.usage) tokens_.read(answer.usage->value);
    Candidate candidate;
    const bool has_candidate = answer.candidates && read_first_candidate(*answer.candidates, candidate);
    if (!has_candidate && answer.prompt_feedback) {
        if (auto reason = block_reason(*answer.prompt_feedback)) return fail(prompt_blocked(*reason), out);
    }
    if (!started()) {
        // Gemini repeats the id and model in every event: the first one's name the chunks.
        start(completion_id(answer.response_id, options().created),
              completion_model(answer.model_version, options().backend), out);
    }
    if (!has_candidate || finish_sent_) return;  // a usage-only event, or one after the finish
    if (candidate.parts) translate_parts(candidate.parts->value, out);
    if (finished() || !candidate.finish_reason) return;
    finish_sent_ = true;
    append_chunk(out, {"{}"}, finish_reason(*candidate.finish_reason, tool_calls_ > 0));
}

void StreamTranslator::translate_parts(std::string_view parts, std::string& out) {
    auto on_part = [&](const json::Member& element) {
        if (finished()) return;
        if (element.kind != json::Kind::object) return invalid("a part is not an object", out);
        const Part part = read_part(element.value);
        if (!part.valid) return invalid("a functionCall part has no name", out);
        if (part.function_call) {
            const std::string index = std::to_string(tool_calls_);
            const std::string id = tool_call_id(tool_calls_++);
            std::string arguments;
            json::append_quoted(arguments, part.function_args);
            append_chunk(out, {R"({"tool_calls":[{"index":)", index, R"(,"id":")", id,
                               R"(","type":"function","function":{"name":)", part.function_name->value,
                               R"(,"arguments":)", arguments, "}}]}"});
        } else if (part.text && !is_empty_string(*part.text)) {
            // The upstream's string token is valid JSON already: copied, not decoded and re-escaped.
            append_chunk(out, {part.thought ? R"({"reasoning_content":)" : R"({"content":)", part.text->value, "}"});
        }
    };
    for_each_element(parts, on_part);
}

void StreamTranslator::finish(std::string& out) {
    if (finished()) return;
    // Gemini has no end event: a body that ends before the finishReason was cut short.
    if (!finish_sent_) return invalid("the stream ended before a finishReason", out);
    std::string usage;
    append_openai_usage(usage, tokens_);
    complete(usage, out);
}

}  // namespace infergate::transform::gemini
