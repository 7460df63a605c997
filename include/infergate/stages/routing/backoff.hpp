// How long to wait before retrying an upstream: exponential backoff with full jitter, and the
// waits upstreams ask for themselves (Retry-After, OpenAI's x-ratelimit-reset-* headers).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "infergate/stages/routing/steady_time.hpp"

namespace infergate::routing {

// No upstream-supplied wait is honoured beyond this: a longer one is cut to it.
inline constexpr Duration kMaxRetryAfter = std::chrono::hours(1);

// min(max, base x 2^(attempt-1)), the exponential ceiling without jitter. `attempt` counts
// from 1 (the first retry); below 1 it counts as 1. Also the circuit breaker's growing cooldown.
Duration backoff_ceiling(int attempt, Duration base, Duration max) noexcept;

// Full jitter ("Exponential Backoff and Jitter", AWS): a uniform delay in
// [0, backoff_ceiling(attempt, base, max)]. `random` is any uniformly distributed 64-bit value,
// so tests can pin it.
Duration backoff_delay(int attempt, Duration base, Duration max, std::uint64_t random) noexcept;
// The same with a random value from a per-thread generator.
Duration backoff_delay(int attempt, Duration base, Duration max);

// A Retry-After value (RFC 9110 10.2.3): delta-seconds ("120") or an IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT"; the obsolete RFC 850 and asctime forms are refused). A date
// in the past gives zero; anything past kMaxRetryAfter gives kMaxRetryAfter. Anything else,
// including a sign, spaces, or a weekday that does not match the date, gives nullopt.
std::optional<Duration> parse_retry_after(std::string_view value,
                                          std::chrono::system_clock::time_point now);

// A Go duration as OpenAI sends in x-ratelimit-reset-requests/-tokens: one or more
// <decimal><unit> parts, units h, m, s, ms, us (or µs), ns ("1s", "6m0s", "20ms", "1h2m3.5s"),
// or a bare "0". Rounded up to whole milliseconds, so a retry is never early. Malformed,
// negative or overflowing values give nullopt.
std::optional<Duration> parse_reset_duration(std::string_view value);

}  // namespace infergate::routing
