// A SplitMix64 generator per thread: statistically sound for spreading load, one add and a mix
// per number. Seeded once per thread from std::random_device so workers do not move in step.
#include "thread_random.hpp"

#include <random>

namespace infergate::routing {
namespace {

std::uint64_t& state() noexcept {
    thread_local std::uint64_t value = [] {
        std::random_device device;
        return (std::uint64_t{device()} << 32) ^ device();
    }();
    return value;
}

}  // namespace

std::uint64_t random_below(std::uint64_t bound) noexcept {
    const std::uint64_t bits = mix64(state() += 0x9E3779B97F4A7C15ULL);
    // Lemire's multiply-shift: no division; its bias (bound / 2^64) is far below noise here.
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(bits) * bound) >> 64);
}

void seed_thread_random(std::uint64_t seed) noexcept { state() = seed; }

}  // namespace infergate::routing
