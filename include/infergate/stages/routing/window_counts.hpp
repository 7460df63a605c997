// Two event counters over a sliding time window (requests and failures for the circuit
// breaker, requests and retries for the retry budget), shared by every worker thread.
//
// The window is a ring of buckets, one second wide (wider for windows over a minute, so that
// a sum never reads more than 60 buckets). Each counter of a bucket is one 64-bit atomic
// holding the bucket's epoch (which second it counts) in the high half and the count in the
// low half: a bucket that comes round again is restarted by the same compare-exchange that
// counts, so no count is lost to a reset and nothing takes a lock. A sum is the buckets whose
// epoch lies in the window: the current, partly elapsed bucket and the ones before it.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "infergate/stages/routing/steady_time.hpp"

namespace infergate::routing {

class WindowCounts {
public:
    static constexpr std::size_t kCounters = 2;
    static constexpr std::size_t kMaxBuckets = 60;

    // A window under one second counts as one second.
    explicit WindowCounts(Duration window);

    // Counts one event of counter `which` (0 or 1).
    void add(std::size_t which, TimePoint now) noexcept;
    // Counts one event and returns the window's count of `which` including it. Of callers racing
    // in one bucket, the last to count sees every earlier count: a limit checked against this
    // value, with undo() when over, is not overrun by the race.
    std::uint64_t add_and_count(std::size_t which, TimePoint now) noexcept;
    // Takes back one add() made in the same bucket; a no-op when the bucket has moved on.
    void undo(std::size_t which, TimePoint now) noexcept;
    std::uint64_t count(std::size_t which, TimePoint now) const noexcept;
    // Forgets every count (racing adds may survive or be lost: callers use it on a state change,
    // where that does not matter).
    void clear() noexcept;

private:
    using Cell = std::atomic<std::uint64_t>;  // epoch << 32 | count
    using Bucket = std::array<Cell, kCounters>;

    std::uint32_t epoch_of(TimePoint now) const noexcept;
    Cell& cell(std::uint32_t epoch, std::size_t which) const noexcept;
    // The count in the current bucket after adding one.
    std::uint32_t bump(std::size_t which, std::uint32_t epoch) noexcept;
    // The sum of the other buckets still in the window.
    std::uint64_t sum_before(std::size_t which, std::uint32_t epoch) const noexcept;

    Nanos bucket_width_;
    std::uint32_t buckets_;
    std::unique_ptr<Bucket[]> ring_;
};

}  // namespace infergate::routing
