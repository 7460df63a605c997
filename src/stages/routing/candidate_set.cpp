// Balancer::pick's preference tiers and the least-loaded choice shared by the strategies.
#include "candidate_set.hpp"

#include <algorithm>
#include <array>

#include "thread_random.hpp"

namespace infergate::routing {

Eligible eligible(std::span<const Candidate> candidates, std::uint64_t tried_mask) noexcept {
    std::array<std::uint64_t, 4> tiers{};  // index: tried * 2 + saturated
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (!candidates[i].usable) continue;
        const std::uint64_t bit = std::uint64_t{1} << i;
        const bool tried = (tried_mask & bit) != 0;
        tiers[(tried ? 2 : 0) + (is_saturated(candidates[i]) ? 1 : 0)] |= bit;
    }
    for (std::size_t tier = 0; tier < tiers.size(); ++tier) {
        if (tiers[tier] != 0) return {tiers[tier], tier % 2 == 1};
    }
    return {};
}

std::size_t least_loaded(std::span<const Candidate> candidates, std::uint64_t set,
                         Capacity capacity) noexcept {
    std::size_t best = 0;
    std::uint64_t best_load = 0;      // (in_flight + 1) of best, a fraction over best_capacity
    std::uint64_t best_capacity = 0;  // 0 until a member is seen
    std::uint64_t ties = 0;
    for_each_index(set, [&](std::size_t i) {
        const Candidate& candidate = candidates[i];
        const std::uint64_t load = std::uint64_t{in_flight(candidate)} + 1;
        // max_concurrency is asked for only among saturated candidates, where it is above 0.
        const std::uint64_t of = capacity == Capacity::weight
                                     ? weight(candidate)
                                     : std::max<std::uint32_t>(candidate.max_concurrency, 1);
        // Compared as fractions: both products are below 2^64 (a factor of at most 2^32 each).
        const std::uint64_t left = load * best_capacity;
        const std::uint64_t right = best_load * of;
        if (best_capacity == 0 || left < right) {
            best = i;
            best_load = load;
            best_capacity = of;
            ties = 1;
        } else if (left == right && random_below(++ties) == 0) {
            best = i;  // reservoir sampling: each tied member ends up chosen with equal chance
        }
    });
    return best;
}

}  // namespace infergate::routing
