// Chooses the target of a route for one attempt: the balancer's choice among the targets
// whose circuit is closed (or whose half-open probe this attempt takes), steered away from
// targets this request already tried.
#pragma once

#include <cstdint>
#include <optional>

#include "infergate/stages/routing/route_table.hpp"
#include "infergate/stages/routing/steady_time.hpp"

namespace infergate::routing {

struct TargetChoice {
    const RouteTarget* target = nullptr;
    std::size_t index = 0;
    bool saturated = false;  // at its backend's max_concurrency: the attempt will queue
    bool panic = false;      // every target was ejected: ejections were ignored
};

// Never ejects the last healthy target: when every target is ejected they all serve again
// (panic mode), since refusing everything is worse than trying a target that may recover.
// Drained targets are an operator's decision and stay out even then. Returns nullopt when
// every target is drained (the caller moves on to fallbacks or refuses).
std::optional<TargetChoice> pick_target(const Route& route, std::uint64_t affinity_hash,
                                        std::uint64_t tried_mask, TimePoint now);

}  // namespace infergate::routing
