// The balancers' random numbers: a per-thread generator, so a pick neither locks nor shares a
// cache line with other workers, and costs a few nanoseconds.
#pragma once

#include <cstdint>

namespace infergate::routing {

// Uniform in [0, bound); bound > 0. Each thread starts from its own random seed.
std::uint64_t random_below(std::uint64_t bound) noexcept;
// Restarts this thread's sequence: tests use it to be reproducible.
void seed_thread_random(std::uint64_t seed) noexcept;

// SplitMix64's output function: a fast, well-spread 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

}  // namespace infergate::routing
