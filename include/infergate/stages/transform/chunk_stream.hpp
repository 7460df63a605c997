// What every provider's stream translator shares: the client's chat.completion.chunk stream
// as it is written, how it ends (data: [DONE], or an error event without it), and what it
// reports to the relay.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "infergate/api/error.hpp"

namespace infergate::transform {

struct StreamOptions {
    std::int64_t created = 0;    // unix seconds, the same in every chunk
    bool include_usage = false;  // the client's stream_options.include_usage
    std::string backend;         // named in error messages
};

class ChunkStream {
public:
    // The client's stream is complete: ended by its provider's end, or by an error.
    bool finished() const noexcept { return finished_; }
    // The error that ended the stream, for the access log and metrics; nullopt otherwise.
    const std::optional<api::Error>& error() const noexcept { return error_; }
    // Whether the role chunk was written. An error before it can still be answered as a plain
    // error response (with error()->status), discarding the error event in `out`.
    bool started() const noexcept { return started_; }

protected:
    explicit ChunkStream(StreamOptions options) : options_(std::move(options)) {}

    const StreamOptions& options() const noexcept { return options_; }
    // `data: {"id":...,"model":...,"choices":[`, once started.
    const std::string& head() const noexcept { return head_; }

    // Starts the client's stream: `id` and `model` (JSON string tokens) name every chunk; writes
    // the role chunk.
    void start(std::string_view id, std::string_view model, std::string& out);
    // One chunk: its delta is `delta_parts` concatenated; an empty `finish` is a null finish_reason.
    void append_chunk(std::string& out, std::initializer_list<std::string_view> delta_parts,
                      std::string_view finish = {}) const;
    // The end: the usage chunk when the client asked for it (`usage` is OpenAI's usage
    // object), then data: [DONE].
    void complete(std::string_view usage, std::string& out);
    // The end by an error: its event, and no [DONE].
    void fail(api::Error error, std::string& out);
    // fail() with upstream_invalid_response naming the backend and `what` was wrong.
    void invalid(std::string_view what, std::string& out);

private:
    StreamOptions options_;
    std::string head_;
    bool started_ = false;
    bool finished_ = false;
    std::optional<api::Error> error_;
};

}  // namespace infergate::transform
