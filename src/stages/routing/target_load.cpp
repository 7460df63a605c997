// TargetLoad's time-decayed latency average (see target_load.hpp for the rule and why).
#include "infergate/stages/routing/target_load.hpp"

#include <algorithm>
#include <cmath>

#include "infergate/stages/routing/steady_time.hpp"

namespace infergate::routing {
namespace {

static_assert(std::atomic<double>::is_always_lock_free);
static_assert(std::atomic<std::int64_t>::is_always_lock_free);

// How much of the old average survives `elapsed_ns` (none elapsed, or time running
// backwards between threads' clock reads: all of it).
double kept(std::int64_t elapsed_ns, double decay_ns) {
    return std::exp(-static_cast<double>(std::max<std::int64_t>(elapsed_ns, 0)) / decay_ns);
}

}  // namespace

TargetLoad::TargetLoad(std::chrono::nanoseconds decay) noexcept
    : decay_ns_(static_cast<double>(std::max<std::int64_t>(decay.count(), 1))) {}

void TargetLoad::end(std::chrono::nanoseconds latency, Clock::time_point now) noexcept {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    const std::int64_t now_ns = std::max<std::int64_t>(to_nanos(now), 1);
    // The exchange hands each sample its own slice of the time since the one before, so
    // concurrent samples share the elapsed time instead of each claiming all of it. A sample
    // whose clock read lost the race gets a negative slice and weighs nothing; the next sample
    // gets that time back.
    const std::int64_t previous_ns = last_sample_ns_.exchange(now_ns, std::memory_order_relaxed);
    const double keep = previous_ns == 0 ? 0.0 : kept(now_ns - previous_ns, decay_ns_);
    const double sample = static_cast<double>(std::max<std::int64_t>(latency.count(), 0));
    double current = ewma_ns_.load(std::memory_order_relaxed);
    while (!ewma_ns_.compare_exchange_weak(current, current * keep + sample * (1.0 - keep),
                                           std::memory_order_relaxed)) {
    }
}

void TargetLoad::end_failed(std::chrono::nanoseconds elapsed, Clock::time_point now) noexcept {
    const std::chrono::nanoseconds twice_average = 2 * ewma_latency();
    end(std::max({elapsed, kFailurePenalty, twice_average}), now);
}

std::chrono::nanoseconds TargetLoad::ewma_latency() const noexcept {
    return std::chrono::nanoseconds(std::llround(ewma_ns_.load(std::memory_order_relaxed)));
}

std::chrono::nanoseconds TargetLoad::ewma_latency(Clock::time_point now,
                                                  std::chrono::nanoseconds prior) const noexcept {
    const std::int64_t last_ns = last_sample_ns_.load(std::memory_order_relaxed);
    if (last_ns == 0) return prior;
    const double keep = kept(to_nanos(now) - last_ns, decay_ns_);
    const double prior_ns = static_cast<double>(prior.count());
    const double ewma_ns = ewma_ns_.load(std::memory_order_relaxed);
    return std::chrono::nanoseconds(std::llround(prior_ns + (ewma_ns - prior_ns) * keep));
}

}  // namespace infergate::routing
