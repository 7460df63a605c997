// Gemini's token counts (`usageMetadata`), and what they are in OpenAI's terms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "infergate/streaming/sse.hpp"

namespace infergate::transform::gemini {

// Unlike Anthropic's, Gemini's prompt count already includes the cached part, and its answer
// count excludes the thoughts, which are counted apart.
struct TokenCounts {
    std::int64_t prompt = 0;           // promptTokenCount, cached tokens included
    std::int64_t tool_use_prompt = 0;  // toolUsePromptTokenCount: what built-in tools added
    std::int64_t cached = 0;           // cachedContentTokenCount
    std::int64_t candidates = 0;       // candidatesTokenCount: the answer, thoughts apart
    std::int64_t thoughts = 0;         // thoughtsTokenCount

    // Overwrites the counts present in a `usageMetadata` object and keeps the others: every
    // chunk of a stream repeats the counts so far.
    void read(std::string_view usage_metadata);
    // prompt = prompt + tool_use_prompt, cached = cached, completion = candidates + thoughts,
    // reasoning = thoughts (OpenAI counts reasoning as part of the completion).
    sse::Usage openai() const noexcept;
};

// Appends OpenAI's usage object: prompt, completion and total tokens,
// prompt_tokens_details.cached_tokens and completion_tokens_details.reasoning_tokens.
void append_openai_usage(std::string& out, const TokenCounts& counts);

}  // namespace infergate::transform::gemini
