// The time vocabulary of the routing resilience pieces (circuit breaker, retry budget, backoff,
// credential pool). Callers pass `now` in explicitly, so tests drive them with a fake clock;
// time points live in atomics as steady_clock nanoseconds.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

namespace infergate::routing {

using Duration = std::chrono::milliseconds;  // as config::Duration
using TimePoint = std::chrono::steady_clock::time_point;
using Nanos = std::int64_t;  // steady_clock nanoseconds, the form kept in atomics

constexpr Nanos to_nanos(TimePoint at) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}
constexpr Nanos to_nanos(Duration duration) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}
constexpr TimePoint from_nanos(Nanos at) noexcept {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(at)));
}

// `at` + `wait` (negative waits count as zero), saturating short of the largest value, which
// callers may keep for "never".
constexpr Nanos add_saturated(Nanos at, Duration wait) noexcept {
    constexpr Nanos kLast = std::numeric_limits<Nanos>::max() - 1;
    constexpr Duration kLongest =
        std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(kLast));
    const Nanos span = to_nanos(std::clamp(wait, Duration::zero(), kLongest));
    return at > kLast - span ? kLast : at + span;
}

}  // namespace infergate::routing
