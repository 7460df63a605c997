// The strategies behind make_balancer(), one source file each.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "infergate/stages/routing/balancer.hpp"

namespace infergate::routing {

std::unique_ptr<Balancer> make_weighted_balancer();
std::unique_ptr<Balancer> make_least_outstanding_balancer();

}  // namespace infergate::routing
