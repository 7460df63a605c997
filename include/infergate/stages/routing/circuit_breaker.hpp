// Outlier ejection for one route target: after too many failures the target is taken out of
// rotation for a cooldown, then one probe request decides whether it comes back.
//
// States: closed (serving), open (ejected, cooldown running), half_open (cooldown over: the
// next allow() is the probe; until it reports, nobody else gets through).
//   - Traffic ejects when `consecutive_failures` results in a row fail, or when the failure
//     rate in the last `window` reaches `error_rate` over at least `min_requests` results.
//   - Cooldown k of a streak lasts base_ejection x 2^(k-1), capped at max_ejection. A probe
//     success closes the breaker; a probe failure ejects again with the next, longer cooldown.
//     The streak restarts at base_ejection when the breaker trips after having stayed closed
//     for at least max_ejection: a target healthy for as long as the longest cooldown is
//     treated as new.
//   - A probe that never reports (a cancelled request) frees the slot after probe_timeout.
//   - Results reported while open, or half-open before the probe is let through, come from
//     requests sent before the ejection and are ignored. Once a probe is out, the first result
//     reported settles it.
//   - Active health checks are a second, independent reason to eject: `unhealthy_threshold`
//     failed checks in a row eject the target until `healthy_threshold` passes in a row. The
//     target serves only when neither source holds it; passing checks do not end a traffic
//     ejection (a server can answer its health endpoint and still fail completions), and
//     traffic results do not end a check ejection.
//
// Shared by every worker thread. allow() and record(success) are a few relaxed/acquire atomic
// operations; the mutex is taken only for state transitions (tripping, settling a probe, a
// health check), so that the streak, the cooldown and the counters change together.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

#include "infergate/stages/routing/steady_time.hpp"
#include "infergate/stages/routing/window_counts.hpp"

namespace infergate::routing {

struct BreakerSettings {
    std::uint32_t consecutive_failures = 5;  // 0: a run of failures never ejects
    double error_rate = 0.5;                 // 0: the failure rate never ejects
    std::uint32_t min_requests = 20;         // results in the window before the rate counts
    Duration window = std::chrono::seconds(10);
    Duration base_ejection = std::chrono::seconds(30);
    Duration max_ejection = std::chrono::seconds(300);
    Duration probe_timeout = std::chrono::seconds(60);  // a probe that never reports, forgotten
    std::uint32_t unhealthy_threshold = 3;  // failed checks in a row; 0: checks never eject
    std::uint32_t healthy_threshold = 2;    // passed checks in a row that end a check ejection
};

class CircuitBreaker {
public:
    enum class State { closed, open, half_open };

    explicit CircuitBreaker(BreakerSettings settings = {});

    // Whether a request may go to the target now. When the cooldown is over, exactly one
    // caller gets true: it is the probe and must report with record().
    bool allow(TimePoint now) noexcept;
    // The outcome of a request that allow() let through.
    void record(bool success, TimePoint now);
    // The outcome of one active health check. `now` is not needed by the rule above; it is
    // taken so that every input has the same shape.
    void health_check(bool passed, TimePoint now);

    State state(TimePoint now) const noexcept;
    // Whether the target takes no traffic now (open, a check ejection, or a probe out), with
    // no side effect: callers that find every target ejected ignore the breakers (panic mode).
    bool ejected(TimePoint now) const noexcept;
    // The end of the current (or last, while half-open) traffic cooldown; nullopt when no
    // traffic ejection is in force (a check ejection has no set end).
    std::optional<TimePoint> ejected_until() const noexcept;
    // Ejections so far: traffic trips, re-ejections after a failed probe, check ejections.
    std::uint64_t ejections() const noexcept { return ejections_.load(std::memory_order_relaxed); }
    bool failing_health_checks() const noexcept {
        return checks_failing_.load(std::memory_order_relaxed);
    }
    const BreakerSettings& settings() const noexcept { return settings_; }

private:
    static constexpr std::size_t kResults = 0;
    static constexpr std::size_t kFailures = 1;

    void trip(TimePoint now);
    void settle_probe(bool success, TimePoint now);
    void eject(TimePoint now);  // with mutex_ held

    const BreakerSettings settings_;
    // The traffic side in one word, so that taking the probe is a single compare-exchange:
    // kClosed, or an even cooldown end (open, then half-open once it has passed), or an odd
    // probe deadline (a probe is out; past the deadline another may go). steady_clock ns.
    std::atomic<Nanos> gate_;
    std::atomic<bool> checks_failing_{false};
    std::atomic<std::uint32_t> failures_in_row_{0};
    WindowCounts results_;  // results and failures, for the rate; only when error_rate > 0
    std::atomic<Nanos> cooldown_end_{0};
    std::atomic<std::uint64_t> ejections_{0};

    std::mutex mutex_;  // transitions of gate_ and checks_failing_, and the fields below
    int streak_ = 0;    // traffic ejections since the breaker last stayed closed long enough
    TimePoint closed_at_{};
    std::uint32_t checks_failed_in_row_ = 0;
    std::uint32_t checks_passed_in_row_ = 0;
};

}  // namespace infergate::routing
