// p2c_ewma: steers away from a slow replica, spreads over equal ones, treats the unknown as
// average, and tries a slow replica again once what made it look slow is old.
#include <gtest/gtest.h>

#include <deque>

#include "unit/stages/routing/balancer_test_support.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono_literals;
using BalancerP2cEwma = SeededRandom;

TEST_F(BalancerP2cEwma, PrefersTheFastReplicasUnderLoad) {
    Targets targets(equal_weights(4));
    const std::chrono::nanoseconds latency[] = {10ms, 10ms, 100ms, 10ms};
    for (std::size_t i = 0; i < 4; ++i) targets.measure(i, latency[i]);
    const auto balancer = make_balancer(Strategy::p2c_ewma, targets.weights);
    // Requests overlap: each stays in flight until 8 newer ones were placed.
    std::deque<std::size_t> in_flight;
    std::vector<int> counts(4, 0);
    for (int n = 0; n < 10'000; ++n) {
        const std::size_t index = balancer->pick(targets.candidates)->index;
        ++counts[index];
        targets.loads[index]->begin();
        in_flight.push_back(index);
        if (in_flight.size() > 8) {
            targets.loads[in_flight.front()]->end(latency[in_flight.front()]);
            in_flight.pop_front();
        }
    }
    EXPECT_LT(counts[2], 500);  // under 5%
    for (const std::size_t fast : {0, 1, 3}) EXPECT_GT(counts[fast], 2'500);
}

TEST_F(BalancerP2cEwma, AReplicaThatFailsFastDoesNotDrawTheTraffic) {
    Targets targets(equal_weights(4));
    for (std::size_t i = 0; i < 4; ++i) targets.measure(i, 10ms);
    const auto balancer = make_balancer(Strategy::p2c_ewma, targets.weights);
    // Simulated time, a request every 5 ms (ahead of the real clock, so the balancer reads
    // each average as it stands).
    auto now = TargetLoad::Clock::now();
    std::deque<std::size_t> in_flight;
    std::vector<int> counts(4, 0);
    for (int n = 0; n < 10'000; ++n) {
        now += 5ms;
        const std::size_t index = balancer->pick(targets.candidates)->index;
        ++counts[index];
        targets.loads[index]->begin();
        in_flight.push_back(index);
        if (in_flight.size() > 8) {
            const std::size_t done = in_flight.front();
            in_flight.pop_front();
            // Replica 1 answers every request with an instant 503.
            if (done == 1) {
                targets.loads[done]->end_failed(10us, now);
            } else {
                targets.loads[done]->end(10ms, now);
            }
        }
    }
    EXPECT_LT(counts[1], 500);  // under 5%, though its failures took 1/1000 of the others' time
}

TEST_F(BalancerP2cEwma, SpreadsOverEqualReplicas) {
    Targets targets(equal_weights(4));
    for (std::size_t i = 0; i < 4; ++i) targets.measure(i, 20ms);
    const auto balancer = make_balancer(Strategy::p2c_ewma, targets.weights);
    for (const int count : tally(*balancer, targets, 10'000)) {
        EXPECT_GT(count, 2'000);
        EXPECT_LT(count, 3'000);
    }
}

TEST_F(BalancerP2cEwma, AnUnmeasuredReplicaCountsAsAverage) {
    Targets targets(equal_weights(3));
    targets.measure(0, 10ms);
    targets.measure(1, 30ms);  // target 2 is new: taken as 20 ms, so it beats only target 1
    const auto balancer = make_balancer(Strategy::p2c_ewma, targets.weights);
    const auto counts = tally(*balancer, targets, 3'000);
    EXPECT_EQ(counts[1], 0);
    EXPECT_GT(counts[2], 750);   // it wins one pair in three
    EXPECT_LT(counts[2], 1'250);
}

TEST_F(BalancerP2cEwma, AStaleAverageFadesSoASlowReplicaIsTriedAgain) {
    Targets targets(equal_weights(2));
    targets.measure(0, 10ms);
    targets.add_in_flight(0, 5);  // cost 10 ms x 6 = 60 ms
    targets.measure(1, 100ms);    // fresh: 100 ms beats nothing
    const auto balancer = make_balancer(Strategy::p2c_ewma, targets.weights);
    EXPECT_EQ(tally(*balancer, targets, 100), (std::vector<int>{100, 0}));

    // The same 100 ms, but measured a hundred time constants ago: it has faded to the prior
    // (the mean of the measured averages, 55 ms), below the busy replica's 60.
    targets.loads[1] = std::make_unique<TargetLoad>(10ms);
    targets.candidates[1].load = targets.loads[1].get();
    targets.measure(1, 100ms, TargetLoad::Clock::now() - 1s);
    EXPECT_EQ(tally(*balancer, targets, 100), (std::vector<int>{0, 100}));
}

TEST_F(BalancerP2cEwma, WeightsScaleTheLoadATargetTakes) {
    Targets targets({3, 1});
    targets.measure(0, 10ms);
    targets.measure(1, 10ms);
    const auto balancer = make_balancer(Strategy::p2c_ewma, targets.weights);
    for (int n = 0; n < 8; ++n) targets.loads[balancer->pick(targets.candidates)->index]->begin();
    EXPECT_EQ(targets.loads[0]->in_flight(), 6u);
    EXPECT_EQ(targets.loads[1]->in_flight(), 2u);
}

}  // namespace
}  // namespace infergate::routing
