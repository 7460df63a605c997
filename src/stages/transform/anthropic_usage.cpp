#include "infergate/stages/transform/anthropic_usage.hpp"

#include <iterator>

#include <fmt/format.h>

#include "anthropic_wire.hpp"

namespace infergate::transform::anthropic {

void TokenCounts::read(std::string_view usage_object) {
    auto on_count = [this](const json::Member& count) {
        if (count.key == "input_tokens") {
            input = count_of(count);
        } else if (count.key == "cache_creation_input_tokens") {
            cache_creation = count_of(count);
        } else if (count.key == "cache_read_input_tokens") {
            cache_read = count_of(count);
        } else if (count.key == "output_tokens") {
            output = count_of(count);
        }
    };
    json::scan_object(usage_object, kMaxUpstreamDepth, on_count);
}

sse::Usage TokenCounts::openai() const noexcept {
    return {.prompt_tokens = input + cache_creation + cache_read,
            .completion_tokens = output,
            .cached_tokens = cache_read,
            .reasoning_tokens = 0};  // Anthropic counts thinking as output, without a split
}

void append_openai_usage(std::string& out, const TokenCounts& counts) {
    const sse::Usage usage = counts.openai();
    fmt::format_to(std::back_inserter(out),
                   R"({{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{},)"
                   R"("prompt_tokens_details":{{"cached_tokens":{},"cache_write_tokens":{}}}}})",
                   usage.prompt_tokens, usage.completion_tokens,
                   usage.prompt_tokens + usage.completion_tokens, counts.cache_read,
                   counts.cache_creation);
}

}  // namespace infergate::transform::anthropic
