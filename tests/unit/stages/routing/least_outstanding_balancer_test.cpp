// least_outstanding: the idle target first, load relative to weight, ties shared.
#include <gtest/gtest.h>

#include "unit/stages/routing/balancer_test_support.hpp"

namespace infergate::routing {
namespace {

using BalancerLeastOutstanding = SeededRandom;

TEST_F(BalancerLeastOutstanding, PicksTheIdleTarget) {
    Targets targets(equal_weights(3));
    targets.add_in_flight(0, 1);
    targets.add_in_flight(1, 3);
    const auto balancer = make_balancer(Strategy::least_outstanding, targets.weights);
    EXPECT_EQ(tally(*balancer, targets, 100), (std::vector<int>{0, 0, 100}));
}

TEST_F(BalancerLeastOutstanding, LoadIsRelativeToWeight) {
    Targets targets({3, 1});
    const auto balancer = make_balancer(Strategy::least_outstanding, targets.weights);
    for (int n = 0; n < 8; ++n) targets.loads[balancer->pick(targets.candidates)->index]->begin();
    EXPECT_EQ(targets.loads[0]->in_flight(), 6u);
    EXPECT_EQ(targets.loads[1]->in_flight(), 2u);
}

TEST_F(BalancerLeastOutstanding, EqualTargetsShareTheLoad) {
    Targets targets(equal_weights(4));
    const auto balancer = make_balancer(Strategy::least_outstanding, targets.weights);
    for (const int count : tally(*balancer, targets, 4'000)) {
        EXPECT_GT(count, 800);
        EXPECT_LT(count, 1'200);
    }
}

}  // namespace
}  // namespace infergate::routing
