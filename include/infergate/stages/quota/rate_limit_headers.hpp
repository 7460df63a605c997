// OpenAI's rate-limit headers and the 429 message, from an admission.
#pragma once

#include <chrono>
#include <string>

#include "infergate/stages/quota/quota_store.hpp"

namespace infergate::quota {

// "1s", "6m0s", "1h2m3s", "250ms": the duration style OpenAI uses in x-ratelimit-reset-*.
std::string format_reset(std::chrono::nanoseconds reset);
// x-ratelimit-{limit,remaining,reset}-{requests,tokens} lines ("name: value\r\n").
void append_rate_limit_headers(std::string& out, const Admission& admission);
// Says which limit refused: scope, model, kind, limit value, and when to retry.
std::string refusal_message(const Refusal& refusal, std::string_view model, std::int64_t limit);
// Whole seconds, at least 1, for Retry-After.
std::int64_t retry_after_seconds(std::chrono::nanoseconds wait);
// Spend budgets (429 insufficient_quota) as opposed to rate limits (rate_limit_exceeded).
bool is_budget(LimitKind kind) noexcept;

}  // namespace infergate::quota
