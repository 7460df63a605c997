#include "infergate/stages/quota/cost_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace infergate::quota {

TokenCounts classify(const sse::Usage& usage) noexcept {
    TokenCounts counts;
    counts.cached_input = std::clamp<std::int64_t>(usage.cached_tokens, 0, usage.prompt_tokens);
    counts.input = usage.prompt_tokens - counts.cached_input;
    counts.reasoning = std::clamp<std::int64_t>(usage.reasoning_tokens, 0, usage.completion_tokens);
    counts.output = usage.completion_tokens - counts.reasoning;
    return counts;
}

std::int64_t weighted_tokens(const TokenCounts& counts, const config::TokenWeights& weights) noexcept {
    const double weighted = static_cast<double>(counts.input) * weights.input +
                            static_cast<double>(counts.cached_input) * weights.cached_input +
                            static_cast<double>(counts.output) * weights.output +
                            static_cast<double>(counts.reasoning) * weights.reasoning;
    if (!(weighted < static_cast<double>(kMaxAmount))) return kMaxAmount;  // also NaN
    return static_cast<std::int64_t>(std::ceil(weighted - 1e-9));
}

std::int64_t cost_nano_usd(const TokenCounts& counts, const config::Pricing& pricing) noexcept {
    const std::int64_t cached = pricing.cached_input >= 0 ? pricing.cached_input : pricing.input;
    const std::int64_t reasoning = pricing.reasoning >= 0 ? pricing.reasoning : pricing.output;
    // micro-USD per 1M tokens = nano-USD per 1000 tokens.
    const __int128 thousandths = static_cast<__int128>(counts.input) * pricing.input +
                                 static_cast<__int128>(counts.cached_input) * cached +
                                 static_cast<__int128>(counts.output) * pricing.output +
                                 static_cast<__int128>(counts.reasoning) * reasoning;
    // 64-bit division when it fits (nearly always): the 128-bit one is a libgcc call.
    const __int128 nano = thousandths <= std::numeric_limits<std::int64_t>::max() - 999
                              ? static_cast<std::int64_t>(thousandths + 999) / 1000
                              : (thousandths + 999) / 1000;
    return nano > kMaxAmount ? kMaxAmount : static_cast<std::int64_t>(nano);
}

}  // namespace infergate::quota
