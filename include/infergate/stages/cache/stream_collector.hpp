// Rebuilds the non-streamed answer from an upstream SSE stream, so that a streamed miss can
// fill the cache: chat.completion.chunk events become one chat.completion body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/stages/cache/cache_entry.hpp"

namespace infergate::cache {

// One instance per streamed response, fed on that response's thread. It gives up (and from
// then on ignores its input) when the stream carries an error, something it cannot rebuild
// (logprobs, a non-chat chunk), or more than `max_bytes` of text; an entry comes only from a
// stream that ended with `data: [DONE]`.
class StreamCollector {
public:
    explicit StreamCollector(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // One complete SSE event as the relay sees it ("data: {...}\n\n"); comments and events
    // without data are ignored.
    void on_event(std::string_view event);
    // The stream broke (upstream error, timeout, client gone): no entry.
    void on_error() noexcept { failed_ = true; }

    bool failed() const noexcept { return failed_; }
    bool done() const noexcept { return done_ && !failed_; }

    // The chat.completion body; nullopt unless done(). Choices in index order.
    std::optional<std::string> body() const;
    // body() as a cache entry (with its usage).
    std::optional<Entry> entry() const;

private:
    struct ToolCall {
        std::string id, type, name, arguments;
    };
    struct Choice {
        std::string role = "assistant";
        std::string content, reasoning_content, refusal;
        bool has_reasoning = false, has_refusal = false;
        std::map<std::int64_t, ToolCall> tool_calls;  // by the delta's index
        std::optional<std::string> finish_reason;
    };

    void on_chunk(std::string_view data);
    void append(std::string& to, std::string_view text);

    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    bool failed_ = false;
    bool done_ = false;
    std::string id_, model_, system_fingerprint_;
    std::int64_t created_ = 0;
    std::map<std::int64_t, Choice> choices_;
    std::string usage_;  // the raw usage object, when one came
};

}  // namespace infergate::cache
