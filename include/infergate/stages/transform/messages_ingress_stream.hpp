// A backend's OpenAI chat.completion.chunk stream -> the Anthropic Messages stream, one event
// at a time: every input event appends its output at once, nothing is buffered.
//
//   first chunk with choices  -> message_start (id "msg_" + the chunk's id; usage all 0: an
//                                OpenAI stream reports usage only at its end)
//   reasoning_content / reasoning -> a thinking block (empty signature), thinking_delta
//   content                   -> a text block, text_delta
//   each tool_calls index     -> its own tool_use block (id and name at its start, input {}),
//                                arguments as input_json_delta; a late fragment for an earlier
//                                call goes to that call's block index
//   a change of kind          -> content_block_stop of the open block, then the next start;
//                                indexes count up from 0
//   finish_reason             -> content_block_stop; the stop reason is kept
//   usage chunk               -> kept (it follows the finish chunk, with choices: [])
//   data: [DONE]              -> message_delta {stop_reason, stop_sequence} with the whole
//                                usage (input, cache read and output tokens: the SDKs take
//                                them from message_delta), then message_stop
//   {"error":{...}}           -> event: error in Anthropic's shape; the stream ends
// Text and arguments are copied as the backend's JSON string tokens, never re-escaped.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/api/error.hpp"
#include "infergate/json/scanner.hpp"
#include "infergate/streaming/sse.hpp"

namespace infergate::transform::messages_ingress {

struct StreamOptions {
    std::optional<std::string> model;  // the model to name to the client; else the backend's
    std::string backend;               // named in error messages
};

class StreamTranslator {
public:
    explicit StreamTranslator(StreamOptions options);

    // Translates one whole SSE event as sse::find_event_end() delimits it, appending the
    // Anthropic events to `out`. An event without data (a comment) yields nothing; a malformed
    // chunk ends the stream with an upstream_invalid_response error event. Events after the
    // end are ignored.
    void on_sse_event(std::string_view raw_event, std::string& out);
    // The backend's body ended: without [DONE] the stream was cut, and ends with an error event.
    void finish(std::string& out);

    // [DONE] or an error was seen: the client's stream is complete.
    bool finished() const noexcept { return finished_; }
    // The error that ended the stream, for the access log and metrics; nullopt otherwise.
    const std::optional<api::Error>& error() const noexcept { return error_; }
    // Whether message_start was written. An error before it can still be answered as a plain
    // error response (with error()->status), discarding the error event in `out`.
    bool started() const noexcept { return started_; }
    // The backend's usage, OpenAI's terms, for quota; zero until its usage chunk.
    sse::Usage usage() const noexcept { return usage_; }

private:
    enum class BlockKind : std::uint8_t { none, text, thinking, tool_use };

    void on_chunk(std::string_view data, std::string& out);
    void start(const std::optional<json::Member>& id, const std::optional<json::Member>& model, std::string& out);
    void on_choice(std::string_view choice, std::string& out);
    void on_delta(std::string_view delta, std::string& out);
    // A text or thinking delta: `text` is the backend's JSON string token.
    void text_delta(BlockKind kind, const json::Member& text, std::string& out);
    void tool_delta(std::string_view call, std::string& out);
    // Closes the open block (if another) and opens a `kind` block: `content_block` is its JSON.
    void open_block(BlockKind kind, std::initializer_list<std::string_view> content_block, std::string& out);
    void close_block(std::string& out);
    void done(std::string& out);
    void fail(api::Error error, std::string& out);
    void invalid(std::string_view what, std::string& out);

    StreamOptions options_;
    std::string message_id_;                  // the inside of the backend's id token
    BlockKind open_ = BlockKind::none;
    std::uint32_t open_index_ = 0;            // Anthropic's index of the open block
    std::uint32_t next_index_ = 0;
    std::vector<std::int64_t> tool_blocks_;   // OpenAI tool index -> Anthropic index, -1 if none
    std::string stop_reason_ = "end_turn";
    std::string stop_sequence_ = "null";      // JSON: null, or the matched string
    sse::Usage usage_;
    bool started_ = false;
    bool finished_ = false;
    std::optional<api::Error> error_;
};

}  // namespace infergate::transform::messages_ingress
