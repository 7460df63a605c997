// Outlier ejection for one target (see circuit_breaker.hpp for the rules).
#include "infergate/stages/routing/circuit_breaker.hpp"

#include <limits>

#include "infergate/stages/routing/backoff.hpp"

namespace infergate::routing {
namespace {

constexpr Nanos kClosed = std::numeric_limits<Nanos>::min();

constexpr bool is_probe(Nanos gate) noexcept { return gate != kClosed && (gate & 1) != 0; }

}  // namespace

CircuitBreaker::CircuitBreaker(BreakerSettings settings)
    : settings_(settings), gate_(kClosed), results_(settings.window) {}

bool CircuitBreaker::allow(TimePoint now) noexcept {
    Nanos gate = gate_.load(std::memory_order_acquire);
    if (checks_failing_.load(std::memory_order_relaxed)) return false;
    if (gate == kClosed) return true;
    const Nanos at = to_nanos(now);
    if (at < gate) return false;
    // The cooldown (or a silent probe's deadline) is over: the caller that moves the gate to a
    // new probe deadline is the probe; the others find the gate moved and get false.
    const Nanos deadline = (add_saturated(at, settings_.probe_timeout) - 1) | 1;  // odd, not later
    return gate_.compare_exchange_strong(gate, deadline, std::memory_order_acq_rel,
                                         std::memory_order_relaxed);
}

void CircuitBreaker::record(bool success, TimePoint now) {
    const Nanos gate = gate_.load(std::memory_order_acquire);
    if (gate != kClosed) {
        if (is_probe(gate)) settle_probe(success, now);
        return;  // otherwise sent before the ejection: nothing new about the target
    }
    const bool count_rate = settings_.error_rate > 0;
    if (success) {
        // Load first: on the success path the shared line is only written after a failure.
        if (failures_in_row_.load(std::memory_order_relaxed) != 0) {
            failures_in_row_.store(0, std::memory_order_relaxed);
        }
        if (count_rate) results_.add(kResults, now);
        return;
    }
    const std::uint32_t in_row = failures_in_row_.fetch_add(1, std::memory_order_relaxed) + 1;
    bool trips = settings_.consecutive_failures != 0 && in_row >= settings_.consecutive_failures;
    if (count_rate) {
        const std::uint64_t results = results_.add_and_count(kResults, now);
        const std::uint64_t failures = results_.add_and_count(kFailures, now);
        trips = trips || (results >= settings_.min_requests &&
                          static_cast<double>(failures) >= settings_.error_rate * results);
    }
    if (trips) trip(now);
}

void CircuitBreaker::trip(TimePoint now) {
    std::lock_guard lock(mutex_);
    if (gate_.load(std::memory_order_relaxed) != kClosed) return;  // another thread tripped it
    if (streak_ > 0 && now - closed_at_ >= settings_.max_ejection) streak_ = 0;
    eject(now);
}

void CircuitBreaker::settle_probe(bool success, TimePoint now) {
    std::lock_guard lock(mutex_);
    if (!is_probe(gate_.load(std::memory_order_relaxed))) return;  // settled by another report
    if (!success) {
        eject(now);
        return;
    }
    failures_in_row_.store(0, std::memory_order_relaxed);
    results_.clear();
    closed_at_ = now;
    gate_.store(kClosed, std::memory_order_release);
}

void CircuitBreaker::eject(TimePoint now) {
    if (streak_ < 64) ++streak_;  // 2^63 x base is past any cap already
    const Duration cooldown =
        backoff_ceiling(streak_, settings_.base_ejection, settings_.max_ejection);
    const Nanos end = add_saturated(to_nanos(now), cooldown) & ~Nanos{1};  // even: not a probe
    // Results from before the ejection must not count once the breaker closes again.
    failures_in_row_.store(0, std::memory_order_relaxed);
    results_.clear();
    cooldown_end_.store(end, std::memory_order_relaxed);
    ejections_.fetch_add(1, std::memory_order_relaxed);
    gate_.store(end, std::memory_order_release);
}

void CircuitBreaker::health_check(bool passed, TimePoint /*now*/) {
    std::lock_guard lock(mutex_);
    const bool failing = checks_failing_.load(std::memory_order_relaxed);
    if (passed) {
        checks_failed_in_row_ = 0;
        ++checks_passed_in_row_;
        if (failing && checks_passed_in_row_ >= settings_.healthy_threshold) {
            checks_failing_.store(false, std::memory_order_relaxed);
        }
        return;
    }
    checks_passed_in_row_ = 0;
    ++checks_failed_in_row_;
    if (!failing && settings_.unhealthy_threshold != 0 &&
        checks_failed_in_row_ >= settings_.unhealthy_threshold) {
        checks_failing_.store(true, std::memory_order_relaxed);
        ejections_.fetch_add(1, std::memory_order_relaxed);
    }
}

CircuitBreaker::State CircuitBreaker::state(TimePoint now) const noexcept {
    if (checks_failing_.load(std::memory_order_relaxed)) return State::open;
    const Nanos gate = gate_.load(std::memory_order_acquire);
    if (gate == kClosed) return State::closed;
    if (is_probe(gate) || to_nanos(now) >= gate) return State::half_open;
    return State::open;
}

bool CircuitBreaker::ejected(TimePoint now) const noexcept {
    if (checks_failing_.load(std::memory_order_relaxed)) return true;
    const Nanos gate = gate_.load(std::memory_order_acquire);
    return gate != kClosed && to_nanos(now) < gate;
}

std::optional<TimePoint> CircuitBreaker::ejected_until() const noexcept {
    if (gate_.load(std::memory_order_acquire) == kClosed) return std::nullopt;
    return from_nanos(cooldown_end_.load(std::memory_order_relaxed));
}

}  // namespace infergate::routing
