// TargetLoad: in-flight counting and the time-constant latency average, on a fake clock.
#include "infergate/stages/routing/target_load.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "run_together.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono_literals;
using Clock = TargetLoad::Clock;

const Clock::time_point kStart = Clock::time_point(1h);

double milliseconds(std::chrono::nanoseconds value) {
    return static_cast<double>(value.count()) / 1e6;
}

TEST(TargetLoad, CountsRequestsInFlight) {
    TargetLoad load;
    load.begin();
    load.begin();
    EXPECT_EQ(load.in_flight(), 2u);
    load.end(1ms, kStart);
    EXPECT_EQ(load.in_flight(), 1u);
}

TEST(TargetLoad, TheFirstSampleIsTheAverage) {
    TargetLoad load;
    EXPECT_FALSE(load.sampled());
    EXPECT_EQ(load.ewma_latency(), 0ns);
    load.begin();
    load.end(100ms, kStart);
    EXPECT_TRUE(load.sampled());
    EXPECT_EQ(load.ewma_latency(), 100ms);
}

TEST(TargetLoad, ASampleWeighsByTheTimeSinceThePreviousOne) {
    TargetLoad load(10s);
    load.begin();
    load.end(100ms, kStart);
    load.begin();
    load.end(200ms, kStart + 10s);  // one time constant: the old average keeps 1/e
    EXPECT_NEAR(milliseconds(load.ewma_latency()), 200 - 100 / std::exp(1.0), 1e-3);
    load.begin();
    load.end(900ms, kStart + 10s);  // no time elapsed: no weight
    EXPECT_NEAR(milliseconds(load.ewma_latency()), 200 - 100 / std::exp(1.0), 1e-3);
}

TEST(TargetLoad, TheAverageForgetsAtTheSamePaceWhateverTheRequestRate) {
    TargetLoad busy(10s);
    TargetLoad quiet(10s);
    busy.begin();
    busy.end(100ms, kStart);
    quiet.begin();
    quiet.end(100ms, kStart);
    for (int i = 1; i <= 100; ++i) {
        busy.begin();
        busy.end(300ms, kStart + i * 100ms);
    }
    quiet.begin();
    quiet.end(300ms, kStart + 10s);
    EXPECT_NEAR(milliseconds(busy.ewma_latency()), milliseconds(quiet.ewma_latency()), 1e-3);
}

TEST(TargetLoad, AFastFailureCountsAsSlowNotFast) {
    TargetLoad load;
    load.begin();
    load.end_failed(1ms, kStart);  // a refused connection, at once
    EXPECT_EQ(load.ewma_latency(), TargetLoad::kFailurePenalty);
}

TEST(TargetLoad, AFailureOfASlowTargetWeighsMoreThanItsSuccesses) {
    TargetLoad load(10s);
    load.begin();
    load.end(20s, kStart);  // a long generation
    load.begin();
    load.end_failed(2s, kStart + 10s);  // then a 5xx after 2 s: counted as 40 s
    EXPECT_GT(load.ewma_latency(), 20s);
}

TEST(TargetLoad, ASlowFailureKeepsItsOwnTime) {
    TargetLoad load;
    load.begin();
    load.end_failed(5s, kStart);  // a timeout
    EXPECT_EQ(load.ewma_latency(), 5s);
}

TEST(TargetLoad, AClockReadThatLostTheRaceWeighsNothing) {
    TargetLoad load(10s);
    load.begin();
    load.end(100ms, kStart + 5s);
    load.begin();
    load.end(500ms, kStart);  // another thread's earlier clock read, stored late
    EXPECT_EQ(load.ewma_latency(), 100ms);
}

TEST(TargetLoad, AnIdleTargetsAverageFadesTowardThePrior) {
    TargetLoad load(10s);
    EXPECT_EQ(load.ewma_latency(kStart, 40ms), 40ms);  // nothing known: the prior
    load.begin();
    load.end(400ms, kStart);
    EXPECT_EQ(load.ewma_latency(kStart, 40ms), 400ms);
    EXPECT_NEAR(milliseconds(load.ewma_latency(kStart + 10s, 40ms)), 40 + 360 / std::exp(1.0),
                1e-3);
    EXPECT_NEAR(milliseconds(load.ewma_latency(kStart + 300s, 40ms)), 40, 1e-3);
    EXPECT_EQ(load.ewma_latency(), 400ms);  // the stored average itself is unchanged
}

TEST(TargetLoad, ConcurrentUpdatesKeepCountsAndTheAverageConsistent) {
    TargetLoad load;
    run_together(4, [&load] {
        for (int i = 0; i < 20'000; ++i) {
            load.begin();
            load.end(5ms);
        }
    });
    EXPECT_EQ(load.in_flight(), 0u);
    EXPECT_NEAR(milliseconds(load.ewma_latency()), 5.0, 1e-6);
}

}  // namespace
}  // namespace infergate::routing
