// Every strategy under four threads picking and updating loads at once: no crash, and the
// counts add up (for weighted, still exactly the weights: its picks are serialised).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <string>

#include "run_together.hpp"
#include "unit/stages/routing/balancer_test_support.hpp"

namespace infergate::routing {
namespace {

class BalancerThreads : public ::testing::TestWithParam<Strategy> {};

TEST_P(BalancerThreads, ConcurrentPicksKeepLoadsAndCountsConsistent) {
    constexpr int kThreads = 4;
    constexpr int kPicksEach = 20'000;
    Targets targets({3, 2, 2, 1});
    targets.candidates[1].max_concurrency = 2;  // saturates now and then: that path races too
    const auto balancer = make_balancer(GetParam(), targets.weights);
    std::array<std::atomic<int>, 4> counts{};
    std::atomic<int> next_thread{0};
    run_together(kThreads, [&] {
        const int thread = next_thread.fetch_add(1);
        // Each thread keeps its last three requests in flight, so picks see changing loads.
        std::array<std::size_t, 3> open{};
        for (int n = 0; n < kPicksEach; ++n) {
            const PickInput input{.affinity_hash = static_cast<std::uint64_t>(n % 64 + 1),
                                  .tried_mask = n % 16 == 0 ? std::uint64_t{1} << thread : 0};
            const auto pick = balancer->pick(targets.candidates, input);
            ASSERT_TRUE(pick);
            counts[pick->index].fetch_add(1, std::memory_order_relaxed);
            std::size_t& slot = open[static_cast<std::size_t>(n) % open.size()];
            if (n >= static_cast<int>(open.size())) {
                targets.loads[slot]->end(std::chrono::milliseconds(slot + 1));
            }
            slot = pick->index;
            targets.loads[slot]->begin();
        }
        for (const std::size_t index : open) {
            targets.loads[index]->end(std::chrono::milliseconds(index + 1));
        }
    });
    int total = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        total += counts[i];
        EXPECT_EQ(targets.loads[i]->in_flight(), 0u);
        // Every sample of target i was i + 1 ms: interleaved updates must not blend them.
        if (counts[i] > 0) {
            EXPECT_NEAR(static_cast<double>(targets.loads[i]->ewma_latency().count()),
                        (i + 1) * 1e6, 1.0);
        }
    }
    EXPECT_EQ(total, kThreads * kPicksEach);
}

TEST(BalancerWeighted, SharesStayExactUnderContention) {
    Targets targets({3, 2, 2, 1});
    const auto balancer = make_balancer(Strategy::weighted, targets.weights);
    std::array<std::atomic<int>, 4> counts{};
    run_together(4, [&] {
        for (int n = 0; n < 20'000; ++n) {
            counts[balancer->pick(targets.candidates)->index].fetch_add(1);
        }
    });
    EXPECT_EQ(counts[0], 30'000);
    EXPECT_EQ(counts[1], 20'000);
    EXPECT_EQ(counts[2], 20'000);
    EXPECT_EQ(counts[3], 10'000);
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, BalancerThreads,
                         ::testing::Values(Strategy::weighted, Strategy::least_outstanding,
                                           Strategy::p2c_ewma, Strategy::prefix_affinity),
                         [](const auto& info) { return std::string(label(info.param)); });

}  // namespace
}  // namespace infergate::routing
