#include "infergate/stages/transform/gemini_usage.hpp"

#include <iterator>

#include <fmt/format.h>

#include "upstream_json.hpp"

namespace infergate::transform::gemini {

void TokenCounts::read(std::string_view usage_metadata) {
    auto on_count = [this](const json::Member& count) {
        if (count.key == "promptTokenCount") prompt = count_of(count);
        else if (count.key == "toolUsePromptTokenCount") tool_use_prompt = count_of(count);
        else if (count.key == "cachedContentTokenCount") cached = count_of(count);
        else if (count.key == "candidatesTokenCount") candidates = count_of(count);
        else if (count.key == "thoughtsTokenCount") thoughts = count_of(count);
    };
    json::scan_object(usage_metadata, kMaxUpstreamDepth, on_count);
}

sse::Usage TokenCounts::openai() const noexcept {
    return {.prompt_tokens = prompt + tool_use_prompt,
            .completion_tokens = candidates + thoughts,
            .cached_tokens = cached,
            .reasoning_tokens = thoughts};
}

void append_openai_usage(std::string& out, const TokenCounts& counts) {
    const sse::Usage usage = counts.openai();
    fmt::format_to(std::back_inserter(out),
                   R"({{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{},)"
                   R"("prompt_tokens_details":{{"cached_tokens":{}}},)"
                   R"("completion_tokens_details":{{"reasoning_tokens":{}}}}})",
                   usage.prompt_tokens, usage.completion_tokens,
                   usage.prompt_tokens + usage.completion_tokens, usage.cached_tokens,
                   usage.reasoning_tokens);
}

}  // namespace infergate::transform::gemini
