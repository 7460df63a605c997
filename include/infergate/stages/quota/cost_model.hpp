// The one cost model shared by token limits, budgets and metrics: usage split into disjoint
// token classes, weighted for token limits and priced for budgets. Cached input is not charged
// as fresh input, and reasoning tokens are not lost inside the completion count.
#pragma once

#include <cstdint>

#include "infergate/config/access.hpp"
#include "infergate/streaming/sse.hpp"

namespace infergate::quota {

struct TokenCounts {  // disjoint: their sum is every token the upstream billed
    std::int64_t input = 0;         // fresh prompt tokens
    std::int64_t cached_input = 0;  // prompt tokens served from the provider's cache
    std::int64_t output = 0;        // visible completion tokens
    std::int64_t reasoning = 0;     // hidden reasoning tokens

    std::int64_t total() const noexcept { return input + cached_input + output + reasoning; }
};

// No amount the cost model returns exceeds this (2^62): sums of a few stay within int64, and
// a reservation this large is over every configurable limit anyway. A request asking for
// 2^63-1 tokens is therefore refused, never wrapped around into a small number.
inline constexpr std::int64_t kMaxAmount = std::int64_t{1} << 62;

// OpenAI reports cached tokens inside prompt_tokens and reasoning inside completion_tokens.
TokenCounts classify(const sse::Usage& usage) noexcept;

// What the counts weigh against a tokens-per-minute/day limit (rounded up, at most kMaxAmount).
std::int64_t weighted_tokens(const TokenCounts& counts, const config::TokenWeights& weights) noexcept;

// Their price in nano-USD (prices are micro-USD per 1M tokens), rounded up, at most kMaxAmount.
std::int64_t cost_nano_usd(const TokenCounts& counts, const config::Pricing& pricing) noexcept;

}  // namespace infergate::quota
