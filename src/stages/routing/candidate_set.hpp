// What the balancers share: reading a candidate, the preference tiers of Balancer::pick as bit
// sets, and "least loaded" with random tie-breaking.
#pragma once

#include <bit>
#include <cstdint>
#include <span>

#include "infergate/stages/routing/balancer.hpp"
#include "infergate/stages/routing/target_load.hpp"

namespace infergate::routing {

inline std::uint32_t in_flight(const Candidate& candidate) noexcept {
    return candidate.load == nullptr ? 0 : candidate.load->in_flight();
}
inline std::uint32_t weight(const Candidate& candidate) noexcept {
    return candidate.weight == 0 ? 1 : candidate.weight;
}
inline bool is_saturated(const Candidate& candidate) noexcept {
    return candidate.max_concurrency != 0 && in_flight(candidate) >= candidate.max_concurrency;
}

// Calls f(index) for each member of the bit set, in index order.
template <class F>
void for_each_index(std::uint64_t set, F&& f) {
    for (; set != 0; set &= set - 1) f(static_cast<std::size_t>(std::countr_zero(set)));
}

struct Eligible {
    std::uint64_t set = 0;   // the usable candidates of the best tier; 0 if none is usable
    bool saturated = false;  // that tier is a saturated one
};

// Tiers, best first: untried and unsaturated, untried and saturated, tried and unsaturated,
// tried and saturated.
Eligible eligible(std::span<const Candidate> candidates, std::uint64_t tried_mask) noexcept;

// What "load" is relative to in least_loaded().
enum class Capacity : std::uint8_t { weight, max_concurrency };

// The member of `set` (not empty) with the lowest (in_flight + 1) / capacity; ties are broken
// uniformly at random so that equal targets share the load. The + 1 counts the request being
// placed: among idle targets the heavier goes first, and weights hold from the first request.
std::size_t least_loaded(std::span<const Candidate> candidates, std::uint64_t set,
                         Capacity capacity) noexcept;

}  // namespace infergate::routing
