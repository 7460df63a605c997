// Anthropic's streamed Messages events -> OpenAI chat.completion.chunk events, one event at a
// time: every input event appends its output at once, nothing of the stream is buffered.
//
//   message_start        -> the role chunk {"role":"assistant","content":""}
//   text_delta           -> {"content":...}
//   thinking_delta       -> {"reasoning_content":...} (signatures and redacted thinking dropped)
//   tool_use block start -> {"tool_calls":[{index,id,type,function:{name,arguments:""}}]}
//   input_json_delta     -> {"tool_calls":[{index,function:{arguments:<fragment>}}]}
//   content_block_stop   -> arguments "{}" for a tool_use block that streamed no input
//   message_delta        -> the finish chunk (stop_reason -> finish_reason), usage updated
//   message_stop         -> the usage chunk (when asked for), then data: [DONE]
//   error                -> data: {"error":{...}} and the end, without [DONE] (the gateway's
//                           way of saying a stream was cut)
//   ping, other blocks   -> nothing
// Chunks carry Anthropic's message id and model, and `created` from the options.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/json/scanner.hpp"
#include "infergate/stages/transform/anthropic_usage.hpp"
#include "infergate/stages/transform/chunk_stream.hpp"

namespace infergate::transform::anthropic {

using StreamOptions = transform::StreamOptions;

class StreamTranslator : public ChunkStream {
public:
    explicit StreamTranslator(StreamOptions options);

    // Translates one event: `data` is its JSON; its "type" names the event (Anthropic repeats
    // the `event:` name there), `event` is used only when the data has none. Appends the OpenAI
    // events to `out`. A malformed event, or content before message_start, ends the stream
    // with an upstream_invalid_response error. Events after the end are ignored.
    void on_event(std::string_view event, std::string_view data, std::string& out);
    // The same for one whole SSE event as sse::find_event_end() delimits it (`event:` and
    // `data:` lines); an event without data (a comment) yields nothing.
    void on_sse_event(std::string_view raw_event, std::string& out);

    // finished(), error() and started() (ChunkStream): message_stop or an error ends the stream.

    // The usage seen so far, in OpenAI's terms (prompt includes cache reads and writes), for
    // the quota to settle even when the stream is cut.
    sse::Usage usage() const noexcept { return tokens_.openai(); }
    // Anthropic's own counts (cache writes apart), for a cost model that prices them.
    const TokenCounts& tokens() const noexcept { return tokens_; }

private:
    enum class BlockKind : std::uint8_t { other, text, thinking, tool_use };
    struct Block {
        BlockKind kind = BlockKind::other;
        std::uint32_t tool_index = 0;   // OpenAI's tool_calls[].index
        bool has_arguments = false;     // a non-empty input_json_delta was relayed
    };

    struct Event;  // the members of one event's data that matter
    void message_start(const Event& event, std::string& out);
    void block_start(const Event& event, std::string& out);
    void block_delta(const Event& event, std::string& out);
    void block_stop(const Event& event, std::string& out);
    void message_delta(const Event& event, std::string& out);
    void message_stop(std::string& out);
    Block* block_at(const Event& event);
    // A content or reasoning_content chunk (`field` opens the delta) unless `text` is empty.
    void append_text(std::string& out, std::string_view field, const std::optional<json::Member>& text) const;
    // A tool_calls chunk for `block`'s call: its index, then `fields` of the call.
    void append_tool_delta(std::string& out, const Block& block,
                           std::initializer_list<std::string_view> fields) const;

    std::vector<Block> blocks_;        // by Anthropic's content block index
    std::uint32_t tool_calls_ = 0;
    TokenCounts tokens_;
    bool finish_sent_ = false;
};

}  // namespace infergate::transform::anthropic
