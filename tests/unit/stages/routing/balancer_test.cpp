// The rules every strategy shares (usable, tried, saturated), strategy names and the factory.
#include "infergate/stages/routing/balancer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "unit/stages/routing/balancer_test_support.hpp"

namespace infergate::routing {
namespace {

constexpr Strategy kAll[] = {Strategy::weighted, Strategy::least_outstanding, Strategy::p2c_ewma,
                             Strategy::prefix_affinity};

TEST(BalancerNames, ParseAndLabelRoundTrip) {
    for (const Strategy strategy : kAll) EXPECT_EQ(parse_strategy(label(strategy)), strategy);
    EXPECT_EQ(label(Strategy::p2c_ewma), "p2c_ewma");
    EXPECT_EQ(parse_strategy("least_outstanding"), Strategy::least_outstanding);
    EXPECT_EQ(parse_strategy("round_robin"), std::nullopt);
    EXPECT_EQ(parse_strategy("P2C_EWMA"), std::nullopt);
    EXPECT_EQ(parse_strategy(""), std::nullopt);
    EXPECT_EQ(kDefaultStrategy, Strategy::p2c_ewma);
}

TEST(BalancerFactory, MakesEachStrategyAndRefusesImpossibleSettings) {
    const std::vector<std::uint32_t> weights{1, 2};
    for (const Strategy strategy : kAll) {
        EXPECT_EQ(make_balancer(strategy, weights)->strategy(), strategy);
        EXPECT_THROW(make_balancer(strategy, {}), std::invalid_argument);
        EXPECT_THROW(make_balancer(strategy, std::vector<std::uint32_t>(65, 1)),
                     std::invalid_argument);
    }
    EXPECT_THROW(make_balancer(Strategy::prefix_affinity, weights, {.affinity_load_bound = 0.9}),
                 std::invalid_argument);
}

struct RuleCase {
    Strategy strategy;
    std::uint64_t affinity_hash;
};

std::string case_name(const ::testing::TestParamInfo<RuleCase>& info) {
    return std::string(label(info.param.strategy)) + (info.param.affinity_hash ? "_keyed" : "");
}

// One pick: `index`, flagged saturated or not.
void expect_pick(Balancer& balancer, const Targets& targets, const PickInput& input,
                 std::size_t index, bool saturated) {
    const auto pick = balancer.pick(targets.candidates, input);
    ASSERT_TRUE(pick);
    EXPECT_EQ(pick->index, index);
    EXPECT_EQ(pick->saturated, saturated);
}

class BalancerRules : public ::testing::TestWithParam<RuleCase> {
protected:
    void SetUp() override { seed_thread_random(7); }

    std::unique_ptr<Balancer> make(const Targets& targets) const {
        return make_balancer(GetParam().strategy, targets.weights);
    }
    PickInput input(std::uint64_t tried_mask = 0) const {
        return {.affinity_hash = GetParam().affinity_hash, .tried_mask = tried_mask};
    }
};

TEST_P(BalancerRules, NeverPicksAnUnusableCandidate) {
    Targets targets(equal_weights(4));
    targets.candidates[1].usable = false;
    targets.candidates[3].usable = false;
    const auto balancer = make(targets);
    for (std::uint64_t key = 1; key <= 1'000; ++key) {
        const auto pick = balancer->pick(targets.candidates, {.affinity_hash = key * 7919});
        ASSERT_TRUE(pick);
        EXPECT_TRUE(pick->index == 0 || pick->index == 2) << pick->index;
    }
}

TEST_P(BalancerRules, NothingOnlyWhenNothingIsUsable) {
    Targets targets(equal_weights(3));
    const auto balancer = make(targets);
    for (auto& candidate : targets.candidates) candidate.usable = false;
    EXPECT_FALSE(balancer->pick(targets.candidates, input()));
    EXPECT_FALSE(balancer->pick({}, input()));
    targets.candidates[1].usable = true;
    expect_pick(*balancer, targets, input(0b111), 1, false);  // even if tried
}

TEST_P(BalancerRules, ARetryGoesToATargetNotTriedYet) {
    Targets targets(equal_weights(3));
    const auto balancer = make(targets);
    EXPECT_EQ(tally(*balancer, targets, 300, input(0b011)), (std::vector<int>{0, 0, 300}));
    // Every target tried: all are candidates again rather than none.
    const auto again = tally(*balancer, targets, 300, input(0b111));
    EXPECT_EQ(again[0] + again[1] + again[2], 300);
}

TEST_P(BalancerRules, SaturatedTargetsComeAfterThoseWithRoom) {
    Targets targets(equal_weights(3));
    for (auto& candidate : targets.candidates) candidate.max_concurrency = 2;
    targets.add_in_flight(0, 2);
    const auto balancer = make(targets);
    for (int n = 0; n < 200; ++n) {
        const auto pick = balancer->pick(targets.candidates, input());
        ASSERT_TRUE(pick);
        EXPECT_NE(pick->index, 0u);
        EXPECT_FALSE(pick->saturated);
    }
}

TEST_P(BalancerRules, WhenAllAreSaturatedTheLeastLoadedOneIsFlagged) {
    Targets targets(equal_weights(3));
    const std::uint32_t limits[] = {2, 4, 4};
    const int loads[] = {2, 5, 4};  // relative to the limit after one more: 3/2, 6/4, 5/4
    for (std::size_t i = 0; i < 3; ++i) {
        targets.candidates[i].max_concurrency = limits[i];
        targets.add_in_flight(i, loads[i]);
    }
    expect_pick(*make(targets), targets, input(), 2, true);
}

TEST_P(BalancerRules, AnUntriedSaturatedTargetComesBeforeATriedOneWithRoom) {
    Targets targets(equal_weights(2));
    targets.candidates[1].max_concurrency = 1;
    targets.add_in_flight(1, 1);
    expect_pick(*make(targets), targets, input(0b01), 1, true);
}

TEST_P(BalancerRules, CandidatesPastTheLimitAreNotSeen) {
    Targets targets(equal_weights(kMaxCandidates + 1));
    for (auto& candidate : targets.candidates) candidate.usable = false;
    targets.candidates.back().usable = true;
    const auto balancer =
        make_balancer(GetParam().strategy, std::vector<std::uint32_t>(kMaxCandidates, 1));
    EXPECT_FALSE(balancer->pick(targets.candidates, input()));
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, BalancerRules,
                         ::testing::Values(RuleCase{Strategy::weighted, 0},
                                           RuleCase{Strategy::least_outstanding, 0},
                                           RuleCase{Strategy::p2c_ewma, 0},
                                           RuleCase{Strategy::prefix_affinity, 0},
                                           RuleCase{Strategy::prefix_affinity, 0x5eed}),
                         case_name);

}  // namespace
}  // namespace infergate::routing
