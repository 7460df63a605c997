// Anthropic's token counts, and what they are in OpenAI's terms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "infergate/streaming/sse.hpp"

namespace infergate::transform::anthropic {

// `input` excludes the prompt tokens read from the cache and those written to it; OpenAI's
// prompt_tokens includes both, so quota and the client see the whole prompt.
struct TokenCounts {
    std::int64_t input = 0;
    std::int64_t cache_creation = 0;
    std::int64_t cache_read = 0;
    std::int64_t output = 0;

    // Overwrites the counts present in a `usage` object and keeps the others: a stream's
    // message_delta repeats some of message_start's (cumulatively) or only output_tokens.
    void read(std::string_view usage_object);
    // prompt = input + cache_creation + cache_read, cached = cache_read, completion = output
    // (Anthropic counts thinking as output and gives no split: reasoning stays 0).
    sse::Usage openai() const noexcept;
};

// Appends OpenAI's usage object: prompt, completion and total tokens, and
// prompt_tokens_details with cached_tokens (cache reads) and cache_write_tokens (cache creation).
void append_openai_usage(std::string& out, const TokenCounts& counts);

}  // namespace infergate::transform::anthropic
