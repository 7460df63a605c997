// ProviderGate: when a provider's rate-limit report holds requests back, and until when.
#include "infergate/stages/routing/provider_gate.hpp"

#include <gtest/gtest.h>

namespace infergate::routing {
namespace {

using namespace std::chrono;
using Clock = ProviderGate::Clock;

const Clock::time_point kNow{hours(1)};

TEST(ProviderGate, NoReportNoLimit) {
    const ProviderGate gate;
    EXPECT_FALSE(gate.restricting());
    EXPECT_LE(gate.open_at(1'000'000, kNow), kNow);
}

TEST(ProviderGate, NoRequestsLeftHoldsEveryRequestUntilTheReset) {
    ProviderGate gate;
    gate.note(0, std::nullopt, seconds(2), std::nullopt, kNow);
    EXPECT_TRUE(gate.restricting());
    EXPECT_EQ(gate.open_at(0, kNow), kNow + seconds(2));
    EXPECT_EQ(gate.open_at(0, kNow + seconds(1)), kNow + seconds(2));
    EXPECT_LE(gate.open_at(0, kNow + seconds(2)), kNow + seconds(2));
    gate.expire(kNow + seconds(2));
    EXPECT_FALSE(gate.restricting());
}

TEST(ProviderGate, RequestsLeftLiftTheLimit) {
    ProviderGate gate;
    gate.note(0, std::nullopt, seconds(30), std::nullopt, kNow);
    gate.note(5, std::nullopt, seconds(30), std::nullopt, kNow + seconds(1));
    EXPECT_FALSE(gate.restricting());
}

TEST(ProviderGate, TokensHoldBackOnlyRequestsEstimatedAboveWhatRemains) {
    ProviderGate gate;
    gate.note(std::nullopt, 100, std::nullopt, milliseconds(500), kNow);
    EXPECT_LE(gate.open_at(100, kNow), kNow);
    EXPECT_LE(gate.open_at(0, kNow), kNow);  // unknown estimate: not held back
    EXPECT_EQ(gate.open_at(101, kNow), kNow + milliseconds(500));
    EXPECT_LE(gate.open_at(101, kNow + milliseconds(500)), kNow + milliseconds(500));
}

TEST(ProviderGate, BothLimitsHoldUntilTheLaterReset) {
    ProviderGate gate;
    gate.note(0, 10, seconds(1), seconds(6), kNow);
    EXPECT_EQ(gate.open_at(5, kNow), kNow + seconds(1));
    EXPECT_EQ(gate.open_at(50, kNow), kNow + seconds(6));
}

TEST(ProviderGate, ACountWithoutItsResetIsIgnored) {
    ProviderGate gate;
    gate.note(0, 0, std::nullopt, std::nullopt, kNow);
    EXPECT_FALSE(gate.restricting());
}

TEST(ProviderGate, ResetsAreClampedToADay) {
    ProviderGate gate;
    gate.note(0, std::nullopt, Clock::duration::max(), std::nullopt, kNow);
    EXPECT_EQ(gate.open_at(0, kNow), kNow + ProviderGate::kMaxReset);
    gate.note(0, std::nullopt, -seconds(5), std::nullopt, kNow);  // negative: already reset
    EXPECT_FALSE(gate.restricting());
}

}  // namespace
}  // namespace infergate::routing
