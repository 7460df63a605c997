// Sliding-window counters of one-second buckets, lock-free (see window_counts.hpp).
#include "infergate/stages/routing/window_counts.hpp"

#include <algorithm>

namespace infergate::routing {
namespace {

constexpr Nanos kSecond = 1'000'000'000;

constexpr std::uint32_t epoch_part(std::uint64_t cell) noexcept {
    return static_cast<std::uint32_t>(cell >> 32);
}
constexpr std::uint32_t count_part(std::uint64_t cell) noexcept {
    return static_cast<std::uint32_t>(cell);
}
constexpr std::uint64_t make_cell(std::uint32_t epoch, std::uint32_t count) noexcept {
    return static_cast<std::uint64_t>(epoch) << 32 | count;
}

}  // namespace

WindowCounts::WindowCounts(Duration window) {
    const Nanos span = std::max(to_nanos(window), kSecond);
    const Nanos max_buckets = static_cast<Nanos>(kMaxBuckets);
    bucket_width_ = std::max(kSecond, (span + max_buckets - 1) / max_buckets);
    buckets_ = static_cast<std::uint32_t>((span + bucket_width_ - 1) / bucket_width_);
    ring_ = std::make_unique<Bucket[]>(buckets_);  // value-initialised: epoch 0, count 0
}

std::uint32_t WindowCounts::epoch_of(TimePoint now) const noexcept {
    // Wraps after 2^32 buckets (136 years of seconds); comparisons below are modular.
    return static_cast<std::uint32_t>(to_nanos(now) / bucket_width_);
}

WindowCounts::Cell& WindowCounts::cell(std::uint32_t epoch, std::size_t which) const noexcept {
    return ring_[epoch % buckets_][which];
}

std::uint32_t WindowCounts::bump(std::size_t which, std::uint32_t epoch) noexcept {
    Cell& slot = cell(epoch, which);
    std::uint64_t seen = slot.load(std::memory_order_relaxed);
    std::uint64_t next = 0;
    do {
        // A bucket still holding an older epoch is restarted at one.
        next = epoch_part(seen) == epoch ? seen + 1 : make_cell(epoch, 1);
    } while (!slot.compare_exchange_weak(seen, next, std::memory_order_relaxed));
    return count_part(next);
}

std::uint64_t WindowCounts::sum_before(std::size_t which, std::uint32_t epoch) const noexcept {
    std::uint64_t sum = 0;
    for (std::uint32_t back = 1; back < buckets_; ++back) {
        const std::uint64_t seen = cell(epoch - back, which).load(std::memory_order_relaxed);
        if (epoch_part(seen) == epoch - back) sum += count_part(seen);
    }
    return sum;
}

void WindowCounts::add(std::size_t which, TimePoint now) noexcept { bump(which, epoch_of(now)); }

std::uint64_t WindowCounts::add_and_count(std::size_t which, TimePoint now) noexcept {
    const std::uint32_t epoch = epoch_of(now);
    return bump(which, epoch) + sum_before(which, epoch);
}

void WindowCounts::undo(std::size_t which, TimePoint now) noexcept {
    const std::uint32_t epoch = epoch_of(now);
    Cell& slot = cell(epoch, which);
    std::uint64_t seen = slot.load(std::memory_order_relaxed);
    do {
        if (epoch_part(seen) != epoch || count_part(seen) == 0) return;
    } while (!slot.compare_exchange_weak(seen, seen - 1, std::memory_order_relaxed));
}

std::uint64_t WindowCounts::count(std::size_t which, TimePoint now) const noexcept {
    const std::uint32_t epoch = epoch_of(now);
    const std::uint64_t current = cell(epoch, which).load(std::memory_order_relaxed);
    const std::uint64_t in_current = epoch_part(current) == epoch ? count_part(current) : 0;
    return in_current + sum_before(which, epoch);
}

void WindowCounts::clear() noexcept {
    for (std::uint32_t index = 0; index < buckets_; ++index) {
        for (Cell& slot : ring_[index]) slot.store(0, std::memory_order_relaxed);
    }
}

}  // namespace infergate::routing
