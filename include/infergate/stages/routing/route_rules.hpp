// Which route a request takes before load balancing: rules, aliases, the "*" route, canaries.
#pragma once

#include <cstdint>
#include <string_view>

#include "infergate/pipeline/request_context.hpp"
#include "infergate/stages/routing/route_table.hpp"

namespace infergate::routing {

// The first rule whose every condition holds, or null. `candidates`: RouteTable::lookup()'s
// rules for the request (null: every rule, patterns checked).
const CompiledRule* first_matching_rule(const RouteTable& table, const pipeline::RequestContext& ctx,
                                        const std::vector<std::uint32_t>* candidates);

// A stable bucket in [0, 10000) for a canary split: from the sticky header's value, else
// the caller's key id, else (an anonymous caller without the header) the request id.
std::uint32_t canary_bucket(const pipeline::RequestContext& ctx, std::string_view sticky_header);

// `route`, or its canary when the request's bucket falls in the canary's share.
const Route* apply_canary(const Route& route, const pipeline::RequestContext& ctx);

}  // namespace infergate::routing
