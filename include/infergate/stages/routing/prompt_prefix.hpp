// The prefix-affinity key: a hash of the start of a request's prompt, so that requests sharing
// a system prompt and first messages can go to the replica that already has them cached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace infergate::routing {

// A 64-bit hash of the first `window` bytes of `prefix_bytes` (all of them if fewer); never 0,
// which PickInput reserves for "no affinity". The function is fixed here rather than
// std::hash, so gateways of different builds behind one load balancer agree on it (on
// machines of the same byte order).
std::uint64_t prompt_prefix_hash(std::string_view prefix_bytes, std::size_t window) noexcept;

}  // namespace infergate::routing
