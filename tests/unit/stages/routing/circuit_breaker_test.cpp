// CircuitBreaker: when a target is ejected, the half-open probe, the growing cooldown, and
// health checks, driven by a fake clock.
#include "infergate/stages/routing/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "run_together.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono;
using State = CircuitBreaker::State;

const TimePoint t0{hours(1)};

BreakerSettings consecutive_only() {
    BreakerSettings settings;
    settings.error_rate = 0;
    return settings;
}

void fail(CircuitBreaker& breaker, int times, TimePoint now) {
    for (int i = 0; i < times; ++i) breaker.record(false, now);
}

TEST(CircuitBreaker, ConsecutiveFailuresEject) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 4, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
    EXPECT_TRUE(breaker.allow(t0));
    breaker.record(false, t0);
    EXPECT_EQ(breaker.state(t0), State::open);
    EXPECT_FALSE(breaker.allow(t0));
    EXPECT_TRUE(breaker.ejected(t0));
    EXPECT_EQ(breaker.ejected_until(), t0 + seconds(30));
    EXPECT_EQ(breaker.ejections(), 1u);
}

TEST(CircuitBreaker, ASuccessResetsTheRunOfFailures) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 4, t0);
    breaker.record(true, t0);
    fail(breaker, 4, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
    EXPECT_EQ(breaker.ejected_until(), std::nullopt);
    breaker.record(false, t0);
    EXPECT_EQ(breaker.state(t0), State::open);
}

TEST(CircuitBreaker, ErrorRateEjectsOnceMinRequestsAreSeen) {
    BreakerSettings settings;
    settings.consecutive_failures = 0;  // the rate alone
    CircuitBreaker breaker(settings);
    for (int i = 0; i < 9; ++i) {
        breaker.record(true, t0);
        breaker.record(false, t0);  // half of 18 fail: the rate is reached, not min_requests
    }
    breaker.record(true, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
    breaker.record(false, t0);  // 10 failures in 20 results
    EXPECT_EQ(breaker.state(t0), State::open);
}

TEST(CircuitBreaker, ErrorRateBelowTheThresholdKeepsItClosed) {
    BreakerSettings settings;
    settings.consecutive_failures = 0;
    CircuitBreaker breaker(settings);
    for (int i = 0; i < 100; ++i) breaker.record(i % 3 != 0, t0);  // a third fail
    EXPECT_EQ(breaker.state(t0), State::closed);
}

TEST(CircuitBreaker, ErrorRateCountsOnlyTheWindow) {
    BreakerSettings settings;
    settings.consecutive_failures = 0;
    CircuitBreaker breaker(settings);
    fail(breaker, 15, t0);               // under min_requests
    fail(breaker, 5, t0 + seconds(10));  // the first 15 have left the 10 s window
    EXPECT_EQ(breaker.state(t0 + seconds(10)), State::closed);
    fail(breaker, 15, t0 + seconds(11));
    EXPECT_EQ(breaker.state(t0 + seconds(11)), State::open);
}

TEST(CircuitBreaker, HalfOpenLetsExactlyOneProbeThrough) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);
    const TimePoint cooled = t0 + seconds(30);
    EXPECT_FALSE(breaker.allow(cooled - milliseconds(1)));
    EXPECT_EQ(breaker.state(cooled), State::half_open);
    EXPECT_FALSE(breaker.ejected(cooled));  // a probe may go: not ejected for panic mode
    EXPECT_TRUE(breaker.allow(cooled));
    EXPECT_FALSE(breaker.allow(cooled));
    EXPECT_FALSE(breaker.allow(cooled + seconds(10)));
    EXPECT_EQ(breaker.state(cooled), State::half_open);
    EXPECT_TRUE(breaker.ejected(cooled));  // the probe is out: nobody else gets through
}

TEST(CircuitBreaker, StateAndEjectedDoNotTakeTheProbe) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);
    const TimePoint cooled = t0 + seconds(30);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(breaker.state(cooled), State::half_open);
        EXPECT_FALSE(breaker.ejected(cooled));
    }
    EXPECT_TRUE(breaker.allow(cooled));
}

TEST(CircuitBreaker, ConcurrentCallersGetExactlyOneProbe) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);
    TimePoint now = t0;
    for (int round = 0; round < 100; ++round) {
        now += seconds(300);  // past any cooldown
        std::atomic<int> probes{0};
        run_together(4, [&] {
            for (int i = 0; i < 10; ++i) probes += breaker.allow(now) ? 1 : 0;
        });
        ASSERT_EQ(probes.load(), 1) << "round " << round;
        breaker.record(false, now);  // the probe fails: ejected again
    }
}

TEST(CircuitBreaker, ProbeSuccessCloses) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);
    const TimePoint cooled = t0 + seconds(30);
    ASSERT_TRUE(breaker.allow(cooled));
    breaker.record(true, cooled);
    EXPECT_EQ(breaker.state(cooled), State::closed);
    EXPECT_TRUE(breaker.allow(cooled));
    EXPECT_TRUE(breaker.allow(cooled));
    EXPECT_EQ(breaker.ejected_until(), std::nullopt);
    EXPECT_EQ(breaker.ejections(), 1u);
}

TEST(CircuitBreaker, ProbeFailureDoublesTheCooldownUpToTheMax) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);
    TimePoint now = t0;
    for (const int expected : {30, 60, 120, 240, 300, 300}) {
        ASSERT_EQ(breaker.ejected_until(), now + seconds(expected));
        now += seconds(expected);
        ASSERT_TRUE(breaker.allow(now));
        breaker.record(false, now);
        EXPECT_EQ(breaker.state(now), State::open);
    }
    EXPECT_EQ(breaker.ejections(), 7u);
}

TEST(CircuitBreaker, CooldownGoesBackToBaseAfterAHealthyPeriod) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);  // 30 s
    ASSERT_TRUE(breaker.allow(t0 + seconds(30)));
    breaker.record(false, t0 + seconds(30));  // 60 s
    TimePoint now = t0 + seconds(90);
    ASSERT_TRUE(breaker.allow(now));
    breaker.record(true, now);  // closed
    // Trips again before it has been closed for max_ejection (300 s): the streak goes on.
    now += seconds(299);
    fail(breaker, 5, now);
    EXPECT_EQ(breaker.ejected_until(), now + seconds(120));
    now += seconds(120);
    ASSERT_TRUE(breaker.allow(now));
    breaker.record(true, now);
    // Closed for 300 s: the next ejection starts from the base again.
    now += seconds(300);
    fail(breaker, 5, now);
    EXPECT_EQ(breaker.ejected_until(), now + seconds(30));
}

TEST(CircuitBreaker, ResultsWhileOpenAreIgnored) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);
    breaker.record(true, t0 + seconds(1));  // a request sent before the ejection
    EXPECT_EQ(breaker.state(t0 + seconds(1)), State::open);
    fail(breaker, 5, t0 + seconds(2));
    EXPECT_EQ(breaker.ejected_until(), t0 + seconds(30));
    EXPECT_EQ(breaker.ejections(), 1u);
    breaker.record(true, t0 + seconds(31));  // half-open, but no probe let through yet
    EXPECT_EQ(breaker.state(t0 + seconds(31)), State::half_open);
}

TEST(CircuitBreaker, AProbeThatNeverReportsFreesTheSlotAfterItsTimeout) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);
    const TimePoint cooled = t0 + seconds(30);
    ASSERT_TRUE(breaker.allow(cooled));
    EXPECT_FALSE(breaker.allow(cooled + seconds(59)));
    EXPECT_TRUE(breaker.allow(cooled + seconds(60)));  // probe_timeout: another probe
    EXPECT_FALSE(breaker.allow(cooled + seconds(60)));
}

TEST(CircuitBreaker, FailedHealthChecksEjectUntilEnoughPass) {
    CircuitBreaker breaker;
    breaker.health_check(false, t0);
    breaker.health_check(false, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
    breaker.health_check(false, t0);
    EXPECT_EQ(breaker.state(t0), State::open);
    EXPECT_TRUE(breaker.failing_health_checks());
    EXPECT_FALSE(breaker.allow(t0 + hours(1)));  // no cooldown: held until checks pass
    EXPECT_EQ(breaker.ejected_until(), std::nullopt);
    EXPECT_EQ(breaker.ejections(), 1u);
    breaker.health_check(true, t0);
    breaker.health_check(false, t0);  // a failure restarts the count of passes
    breaker.health_check(true, t0);
    EXPECT_EQ(breaker.state(t0), State::open);
    breaker.health_check(true, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
    EXPECT_TRUE(breaker.allow(t0));
    EXPECT_EQ(breaker.ejections(), 1u);
}

TEST(CircuitBreaker, AFailedCheckBetweenPassesRestartsTheCountOfFailures) {
    CircuitBreaker breaker;
    breaker.health_check(false, t0);
    breaker.health_check(false, t0);
    breaker.health_check(true, t0);
    breaker.health_check(false, t0);
    breaker.health_check(false, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
}

TEST(CircuitBreaker, HealthChecksAndTrafficHoldTheTargetIndependently) {
    CircuitBreaker breaker(consecutive_only());
    fail(breaker, 5, t0);
    breaker.health_check(true, t0);
    breaker.health_check(true, t0);  // passing checks do not end a traffic ejection
    EXPECT_EQ(breaker.state(t0 + seconds(1)), State::open);
    for (int i = 0; i < 3; ++i) breaker.health_check(false, t0 + seconds(1));
    // The cooldown is over but the checks still hold it: no probe.
    EXPECT_FALSE(breaker.allow(t0 + seconds(30)));
    EXPECT_TRUE(breaker.ejected(t0 + seconds(30)));
    breaker.health_check(true, t0 + seconds(31));
    breaker.health_check(true, t0 + seconds(31));
    EXPECT_EQ(breaker.state(t0 + seconds(31)), State::half_open);
    EXPECT_TRUE(breaker.allow(t0 + seconds(31)));
}

TEST(CircuitBreaker, HealthChecksCanBeKeptFromEjecting) {
    BreakerSettings settings;
    settings.unhealthy_threshold = 0;
    CircuitBreaker breaker(settings);
    for (int i = 0; i < 10; ++i) breaker.health_check(false, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
}

}  // namespace
}  // namespace infergate::routing
