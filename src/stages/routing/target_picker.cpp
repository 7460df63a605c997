#include "infergate/stages/routing/target_picker.hpp"

#include <boost/container/static_vector.hpp>

namespace infergate::routing {

std::optional<TargetChoice> pick_target(const Route& route, std::uint64_t affinity_hash,
                                        std::uint64_t tried_mask, TimePoint now) {
    const std::size_t count = std::min(route.targets.size(), kMaxCandidates);
    if (count == 0) return std::nullopt;
    // Filled as far as the route has targets: a std::array<Candidate, 64> would construct all
    // 64 on every request (Candidate has default member initializers), some 400 instructions
    // for a route of one target.
    boost::container::static_vector<Candidate, kMaxCandidates> candidates;
    std::size_t usable = 0;
    std::size_t drained = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const RouteTarget& target = route.targets[i];
        const bool out = target.state->is_drained();
        const bool ejected = out || target.state->breaker.ejected(now);
        candidates.push_back(Candidate{target.weight, &target.state->load, !ejected,
                                       target.backend->settings().admission.max_concurrency});
        usable += ejected ? 0 : 1;
        drained += out ? 1 : 0;
    }
    if (drained == count) return std::nullopt;
    const bool panic = usable == 0;
    if (panic) {
        for (std::size_t i = 0; i < count; ++i) candidates[i].usable = !route.targets[i].state->is_drained();
    }
    const std::span<const Candidate> view(candidates.data(), count);
    // allow() hands out a half-open target's single probe: a target whose probe another
    // request took meanwhile is left out and the balancer asked again.
    for (std::size_t round = 0; round < count; ++round) {
        const auto pick = route.balancer->pick(view, PickInput{affinity_hash, tried_mask});
        if (!pick) break;
        const RouteTarget& target = route.targets[pick->index];
        if (panic || target.state->breaker.allow(now)) {
            return TargetChoice{&target, pick->index, pick->saturated, panic};
        }
        candidates[pick->index].usable = false;
    }
    // Every candidate lost its probe race: take the balancer's choice among those not drained.
    for (std::size_t i = 0; i < count; ++i) candidates[i].usable = !route.targets[i].state->is_drained();
    const auto pick = route.balancer->pick(view, PickInput{affinity_hash, tried_mask});
    if (!pick) return std::nullopt;  // unreachable: some target is not drained
    return TargetChoice{&route.targets[pick->index], pick->index, pick->saturated, true};
}

}  // namespace infergate::routing
