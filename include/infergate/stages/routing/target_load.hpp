// The live load of one route target, shared by every worker thread: requests in flight and a
// time-decayed average latency. Balancers read it on each pick; the request path writes it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace infergate::routing {

// Lock-free (relaxed atomics): the numbers steer a heuristic, so a reader may see one update
// before another, never a torn value. Own cache line: every request writes it, and neighbouring
// targets' loads must not share a line (false sharing between workers).
class alignas(64) TargetLoad {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::nanoseconds kDefaultDecay = std::chrono::seconds(10);

    // `decay`: the EWMA's time constant. A sample's weight is 1 - exp(-dt / decay), dt being
    // the time since the previous sample, so the average forgets at the same pace whatever the
    // request rate (a fixed alpha would forget in seconds on a busy target, in hours on a quiet
    // one). Finagle's and Linkerd's peak-EWMA balancers use the same rule and 10 s.
    explicit TargetLoad(std::chrono::nanoseconds decay = kDefaultDecay) noexcept;
    TargetLoad(const TargetLoad&) = delete;
    TargetLoad& operator=(const TargetLoad&) = delete;

    // A request was sent to this target. Every begin() is followed by exactly one end().
    void begin() noexcept { in_flight_.fetch_add(1, std::memory_order_relaxed); }
    // It finished after `latency` (what latency means, e.g. time to first byte, is the
    // caller's choice; it must be the same for every target of a route).
    void end(std::chrono::nanoseconds latency) noexcept { end(latency, Clock::now()); }
    void end(std::chrono::nanoseconds latency, Clock::time_point now) noexcept;
    // It failed (no answer, 5xx, 429) after `elapsed`. A failure is often fast (a refused
    // connection, an instant 503), and counted as it came it would make the failing target
    // look like the best one and draw the traffic to it. It is recorded as the worse of its
    // own time, kFailurePenalty and twice the current average, so a target that fails often
    // loses its share and a slow model's failures still weigh more than its successes.
    static constexpr std::chrono::nanoseconds kFailurePenalty = std::chrono::seconds(1);
    void end_failed(std::chrono::nanoseconds elapsed, Clock::time_point now) noexcept;

    std::uint32_t in_flight() const noexcept {
        return in_flight_.load(std::memory_order_relaxed);
    }
    // True once a latency was recorded.
    bool sampled() const noexcept { return last_sample_ns_.load(std::memory_order_relaxed) != 0; }
    // The average as last updated; zero until sampled().
    std::chrono::nanoseconds ewma_latency() const noexcept;
    // The average as known at `now`: it fades toward `prior` (what balancers assume of a target
    // they know nothing about) with the time since the last sample, and is `prior` until
    // sampled(). A target that once looked slow and so got no traffic is tried again after a
    // few time constants instead of being starved forever by its stale average.
    std::chrono::nanoseconds ewma_latency(Clock::time_point now,
                                          std::chrono::nanoseconds prior) const noexcept;
    std::chrono::nanoseconds decay() const noexcept {
        return std::chrono::nanoseconds(static_cast<std::int64_t>(decay_ns_));
    }

private:
    std::atomic<std::uint32_t> in_flight_{0};
    std::atomic<double> ewma_ns_{0.0};
    // Clock time of the last sample in ns; 0 = none yet (a real steady_clock reading is never
    // 0, and end() stores at least 1).
    std::atomic<std::int64_t> last_sample_ns_{0};
    double decay_ns_;
};

}  // namespace infergate::routing
