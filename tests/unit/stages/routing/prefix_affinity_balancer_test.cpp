// prefix_affinity: one key on one replica, keys spread by weight, spill-over under load and
// return after it, few keys moved when a replica goes.
#include <gtest/gtest.h>

#include "infergate/stages/routing/prompt_prefix.hpp"
#include "unit/stages/routing/balancer_test_support.hpp"

namespace infergate::routing {
namespace {

using BalancerPrefixAffinity = SeededRandom;

std::uint64_t key(int n) { return prompt_prefix_hash("system prompt #" + std::to_string(n), 4096); }

std::size_t pick_for(Balancer& balancer, const Targets& targets, std::uint64_t affinity) {
    return balancer.pick(targets.candidates, {.affinity_hash = affinity})->index;
}

TEST_F(BalancerPrefixAffinity, OneKeyStaysOnOneReplica) {
    Targets targets(equal_weights(4));
    const auto balancer = make_balancer(Strategy::prefix_affinity, targets.weights);
    const std::size_t home = pick_for(*balancer, targets, key(1));
    for (int n = 0; n < 1'000; ++n) {
        const std::size_t index = pick_for(*balancer, targets, key(1));
        ASSERT_EQ(index, home);
        targets.loads[index]->begin();  // each request finishes before the next
        targets.loads[index]->end(std::chrono::milliseconds(5));
    }
}

TEST_F(BalancerPrefixAffinity, KeysSpreadOverReplicasByWeight) {
    Targets equal(equal_weights(4));
    const auto balancer = make_balancer(Strategy::prefix_affinity, equal.weights);
    std::vector<int> counts(4, 0);
    for (int n = 0; n < 1'000; ++n) ++counts[pick_for(*balancer, equal, key(n))];
    for (const int count : counts) EXPECT_GT(count, 150);

    Targets weighted({3, 1, 1, 1});
    const auto by_weight = make_balancer(Strategy::prefix_affinity, weighted.weights);
    std::vector<int> weighted_counts(4, 0);
    for (int n = 0; n < 6'000; ++n) ++weighted_counts[pick_for(*by_weight, weighted, key(n))];
    EXPECT_GT(weighted_counts[0], 2'700);
    EXPECT_LT(weighted_counts[0], 3'300);
}

TEST_F(BalancerPrefixAffinity, SpillsOverWhileItsReplicaIsBusyAndComesBackAfter) {
    Targets targets(equal_weights(4));
    const auto balancer = make_balancer(Strategy::prefix_affinity, targets.weights);
    const std::size_t home = pick_for(*balancer, targets, key(7));
    targets.add_in_flight(home, 10);  // bound: ceil(1.25 x 11 / 4) = 4
    const std::size_t spill = pick_for(*balancer, targets, key(7));
    EXPECT_NE(spill, home);
    for (int n = 0; n < 100; ++n) EXPECT_EQ(pick_for(*balancer, targets, key(7)), spill);
    for (int n = 0; n < 10; ++n) targets.loads[home]->end(std::chrono::milliseconds(5));
    EXPECT_EQ(pick_for(*balancer, targets, key(7)), home);
}

TEST_F(BalancerPrefixAffinity, TheLoadBoundIsAConstructorParameter) {
    Targets targets(equal_weights(4));
    const auto strict = make_balancer(Strategy::prefix_affinity, targets.weights);
    const auto loose =
        make_balancer(Strategy::prefix_affinity, targets.weights, {.affinity_load_bound = 2.0});
    const std::size_t home = pick_for(*strict, targets, key(3));
    targets.add_in_flight(home, 1);  // ceil(1.25 x 2 / 4) = 1: stays
    EXPECT_EQ(pick_for(*strict, targets, key(3)), home);
    targets.add_in_flight(home, 1);  // ceil(1.25 x 3 / 4) = 1 < 2: spills; ceil(2 x 3 / 4) = 2
    EXPECT_NE(pick_for(*strict, targets, key(3)), home);
    EXPECT_EQ(pick_for(*loose, targets, key(3)), home);
}

TEST_F(BalancerPrefixAffinity, AReplicaThatGoesMovesOnlyItsOwnKeys) {
    Targets targets(equal_weights(4));
    const auto balancer = make_balancer(Strategy::prefix_affinity, targets.weights);
    std::vector<std::size_t> before;
    for (int n = 0; n < 1'000; ++n) before.push_back(pick_for(*balancer, targets, key(n)));
    targets.candidates[2].usable = false;
    for (int n = 0; n < 1'000; ++n) {
        const std::size_t after = pick_for(*balancer, targets, key(n));
        if (before[n] != 2) {
            EXPECT_EQ(after, before[n]) << n;
        }
    }
}

TEST_F(BalancerPrefixAffinity, WithoutAKeyItBalancesByLoad) {
    Targets targets(equal_weights(4));
    const auto balancer = make_balancer(Strategy::prefix_affinity, targets.weights);
    targets.add_in_flight(0, 3);
    const auto counts = tally(*balancer, targets, 4'000);
    EXPECT_EQ(counts[0], 0);  // p2c: the busy one loses every pair it is drawn in
    for (const std::size_t idle : {1, 2, 3}) EXPECT_GT(counts[idle], 1'000);
}

}  // namespace
}  // namespace infergate::routing
