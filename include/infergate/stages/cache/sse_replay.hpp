// Turns a cached non-streamed answer into the SSE stream a streaming client expects, so one
// entry serves both kinds of request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "infergate/stages/cache/cache_entry.hpp"

namespace infergate::cache {

struct ReplayOptions {
    std::string_view id;         // the chunks' "id"; empty: the cached body's own id
    bool include_usage = false;  // the client sent stream_options.include_usage: true
};

// A chat.completion body becomes, per choice: a role chunk, then a chunk each for
// reasoning_content, refusal, content and tool_calls (those present), then a finish chunk;
// after all choices a usage chunk (choices: [], only with include_usage and a cached usage)
// and `data: [DONE]`. A text_completion body becomes one text chunk per choice.
// nullopt for any other body (e.g. embeddings, which never stream).
// Cost: parses the cached body once per replay; the entry itself is not copied.
std::optional<std::string> sse_replay(const Entry& entry, const ReplayOptions& options = {});

}  // namespace infergate::cache
