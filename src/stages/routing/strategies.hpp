// The strategies behind make_balancer(), one source file each.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "infergate/stages/routing/balancer.hpp"

namespace infergate::routing {

std::unique_ptr<Balancer> make_weighted_balancer();
std::unique_ptr<Balancer> make_least_outstanding_balancer();
std::unique_ptr<Balancer> make_p2c_ewma_balancer();
std::unique_ptr<Balancer> make_prefix_affinity_balancer(std::span<const std::uint32_t> weights,
                                                        double load_bound);

// p2c_ewma's choice among `eligible` (at least two members), also prefix_affinity's when a
// request has no affinity key.
std::size_t choose_by_p2c_ewma(std::span<const Candidate> candidates, std::uint64_t eligible);

}  // namespace infergate::routing
