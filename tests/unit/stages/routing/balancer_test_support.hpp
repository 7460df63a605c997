// Balancer tests' route: targets with weights and live loads, and counting where picks go.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "infergate/stages/routing/balancer.hpp"
#include "infergate/stages/routing/target_load.hpp"
#include "stages/routing/thread_random.hpp"

namespace infergate::routing {

// `count` targets of weight 1.
inline std::vector<std::uint32_t> equal_weights(std::size_t count) {
    return std::vector<std::uint32_t>(count, 1);
}

struct Targets {
    explicit Targets(std::vector<std::uint32_t> target_weights)
        : weights(std::move(target_weights)) {
        for (const std::uint32_t weight : weights) {
            loads.push_back(std::make_unique<TargetLoad>());
            candidates.push_back(Candidate{weight, loads.back().get(), true, 0});
        }
    }

    // Target i has `count` more requests in flight.
    void add_in_flight(std::size_t i, int count) {
        for (int n = 0; n < count; ++n) loads[i]->begin();
    }
    // Target i's latency average becomes `latency` (a first sample), stamped `at`.
    void measure(std::size_t i, std::chrono::nanoseconds latency,
                 TargetLoad::Clock::time_point at = TargetLoad::Clock::now()) {
        loads[i]->begin();
        loads[i]->end(latency, at);
    }

    std::vector<std::uint32_t> weights;
    std::vector<std::unique_ptr<TargetLoad>> loads;
    std::vector<Candidate> candidates;
};

// Where `picks` picks go, with no load change between them; -1 counts "no pick".
inline std::vector<int> tally(Balancer& balancer, const Targets& targets, int picks,
                              const PickInput& input = {}) {
    std::vector<int> counts(targets.candidates.size(), 0);
    for (int n = 0; n < picks; ++n) {
        const auto pick = balancer.pick(targets.candidates, input);
        EXPECT_TRUE(pick.has_value());
        if (pick) ++counts.at(pick->index);
    }
    return counts;
}

// Each test starts the random sequence from the same point: reproducible runs.
class SeededRandom : public ::testing::Test {
protected:
    void SetUp() override { seed_thread_random(20240611); }
};

}  // namespace infergate::routing
