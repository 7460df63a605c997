// weighted (smooth weighted round-robin): exact shares, interleaved, over the usable targets.
#include <gtest/gtest.h>

#include <algorithm>

#include "unit/stages/routing/balancer_test_support.hpp"

namespace infergate::routing {
namespace {

std::vector<std::size_t> sequence(Balancer& balancer, const Targets& targets, int picks) {
    std::vector<std::size_t> out;
    for (int n = 0; n < picks; ++n) out.push_back(balancer.pick(targets.candidates)->index);
    return out;
}

TEST(BalancerWeighted, SharesMatchTheWeightsExactly) {
    Targets targets({5, 3, 1, 1});
    const auto balancer = make_balancer(Strategy::weighted, targets.weights);
    for (int round = 0; round < 100; ++round) {  // every run of total-weight picks, not just all
        EXPECT_EQ(tally(*balancer, targets, 10), (std::vector<int>{5, 3, 1, 1})) << round;
    }
}

TEST(BalancerWeighted, PicksAreInterleavedNotBunched) {
    Targets five_one_one({5, 1, 1});
    const auto balancer = make_balancer(Strategy::weighted, five_one_one.weights);
    EXPECT_EQ(sequence(*balancer, five_one_one, 7),
              (std::vector<std::size_t>{0, 0, 1, 0, 2, 0, 0}));

    // Smooth: after any number of picks, each target is less than one pick from its share.
    Targets targets({5, 3, 1, 1});
    const auto smooth = make_balancer(Strategy::weighted, targets.weights);
    std::vector<int> counts(4, 0);
    const auto picks = sequence(*smooth, targets, 1'000);
    for (std::size_t n = 0; n < picks.size(); ++n) {
        ++counts[picks[n]];
        for (std::size_t i = 0; i < 4; ++i) {
            const double share = static_cast<double>(n + 1) * targets.weights[i] / 10.0;
            EXPECT_LT(std::abs(counts[i] - share), 1.0) << "after " << n + 1 << " picks";
        }
    }
    std::size_t longest_run = 1;
    for (std::size_t n = 1, run = 1; n < picks.size(); ++n) {
        run = picks[n] == picks[n - 1] ? run + 1 : 1;
        longest_run = std::max(longest_run, run);
    }
    EXPECT_LE(longest_run, 2u);
}

TEST(BalancerWeighted, EqualWeightsTakeTurns) {
    Targets targets(equal_weights(3));
    const auto balancer = make_balancer(Strategy::weighted, targets.weights);
    EXPECT_EQ(sequence(*balancer, targets, 6), (std::vector<std::size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(BalancerWeighted, TheUsableTargetsShareInTheirOwnProportion) {
    Targets targets({4, 2, 1});
    targets.candidates[0].usable = false;
    const auto balancer = make_balancer(Strategy::weighted, targets.weights);
    EXPECT_EQ(tally(*balancer, targets, 300), (std::vector<int>{0, 200, 100}));
    targets.candidates[0].usable = true;  // back: shares settle to 4:2:1 again
    tally(*balancer, targets, 7);
    EXPECT_EQ(tally(*balancer, targets, 700), (std::vector<int>{400, 200, 100}));
}

}  // namespace
}  // namespace infergate::routing
