// The arithmetic of one limit, free of locks and clocks so it can be tested exactly.
//
// Rolling windows (per minute) are GCRA: the state is a theoretical arrival time, a request of
// cost c pushes it by c * period / limit, and it is admitted while that stays within one
// period of now. O(1), one integer of state, exact, and a burst of the whole limit is allowed.
// Calendar windows (day, week, month in the operator's time zone) are counters and the period
// they belong to: the quota store's CalendarCounters.
#pragma once

#include <chrono>
#include <cstdint>

namespace infergate::quota {

using Nanos = std::int64_t;  // steady_clock nanoseconds

struct RollingWindow {
    Nanos tat = 0;  // theoretical arrival time

    // The theoretical arrival time once `cost` is charged: fits() and charge() in one step for
    // a caller that needs both (it fits if the result - now <= period; store it to charge).
    Nanos after(std::int64_t cost, std::int64_t limit, Nanos period, Nanos now) const noexcept;
    // Whether `cost` fits now under `limit` per `period` (does not change the state).
    bool fits(std::int64_t cost, std::int64_t limit, Nanos period, Nanos now) const noexcept;
    void charge(std::int64_t cost, std::int64_t limit, Nanos period, Nanos now) noexcept;
    // A settlement: positive charges more, negative refunds (never below "empty").
    void adjust(std::int64_t delta, std::int64_t limit, Nanos period, Nanos now) noexcept;
    std::int64_t remaining(std::int64_t limit, Nanos period, Nanos now) const noexcept;
    // Until the window is back to its full limit.
    Nanos until_full(Nanos now) const noexcept;
    // Until `cost` would fit (0 if it fits now; period if it never can).
    Nanos until_fits(std::int64_t cost, std::int64_t limit, Nanos period, Nanos now) const noexcept;
};

}  // namespace infergate::quota
