// Gemini's streamed answer (streamGenerateContent?alt=sse) -> OpenAI chat.completion.chunk
// events, one event at a time: every input event appends its output at once, nothing of the
// stream is buffered.
//
// Each Gemini event is `data: {GenerateContentResponse}` holding the next parts of the
// candidate; there is no end event: the last one carries finishReason (and the final
// usageMetadata), and then the HTTP body ends.
//   first event          -> the role chunk {"role":"assistant","content":""}, then its parts
//   text part            -> {"content":...}; a thought part -> {"reasoning_content":...}
//   functionCall part    -> one whole tool call: {"tool_calls":[{index,id,type,function:
//                           {name,arguments}}]}, ids call_0, call_1, ... (Gemini sends calls whole)
//   finishReason         -> the finish chunk; parts after it are ignored
//   usageMetadata        -> the usage so far (every event repeats it)
//   {"error":{...}}      -> data: {"error":{...}} and the end, without [DONE]
//   end of body (finish) -> the usage chunk (when asked for), then data: [DONE]; an end before
//                           any finishReason is a cut stream: an error event instead
// Chunks carry "chatcmpl-" + Gemini's responseId, its modelVersion, and `created`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "infergate/stages/transform/chunk_stream.hpp"
#include "infergate/stages/transform/gemini_usage.hpp"

namespace infergate::transform::gemini {

// One answer's stream. Its options are transform::StreamOptions: created, include_usage, backend.
class StreamTranslator : public ChunkStream {
public:
    explicit StreamTranslator(transform::StreamOptions options);

    // For each whole SSE event as sse::find_event_end() delimits it: appends the OpenAI events
    // for its data (nothing for a comment) to `out`.
    void on_sse_event(std::string_view raw_event, std::string& out);
    // The same from the event's data: a GenerateContentResponse, or an error object. A
    // malformed one ends the stream with upstream_invalid_response; after the end, nothing.
    void on_event(std::string_view data, std::string& out);
    // To call when the upstream body ends, as Gemini has no end event: the usage chunk (if
    // asked for) and [DONE]; or, with no finishReason seen, an error event (a cut stream).
    void finish(std::string& out);

    // finished(), error() and started() (ChunkStream): finish() or an error ends the stream.

    // The usage seen so far, in OpenAI's terms, for the quota to settle even when the stream
    // is cut.
    sse::Usage usage() const noexcept { return tokens_.openai(); }
    const TokenCounts& tokens() const noexcept { return tokens_; }

private:
    void translate_parts(std::string_view parts, std::string& out);

    std::uint32_t tool_calls_ = 0;     // function calls so far: the next one's index and id
    TokenCounts tokens_;
    bool finish_sent_ = false;
};

}  // namespace infergate::transform::gemini
