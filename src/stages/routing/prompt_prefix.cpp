// prompt_prefix_hash: xxHash64's 8-bytes-at-a-time step and final mix (one lane: prefixes are
// a few KiB, and hashing one costs about a microsecond).
#include "infergate/stages/routing/prompt_prefix.hpp"

#include <bit>
#include <cstring>

namespace infergate::routing {
namespace {

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

std::uint64_t mix_word(std::uint64_t hash, std::uint64_t word) {
    hash ^= std::rotl(word * kPrime2, 31) * kPrime1;
    return std::rotl(hash, 27) * kPrime1 + kPrime4;
}

}  // namespace

std::uint64_t prompt_prefix_hash(std::string_view prefix_bytes, std::size_t window) noexcept {
    const std::string_view bytes = prefix_bytes.substr(0, window);
    // The length goes in first, so the zero padding of the last word is unambiguous.
    std::uint64_t hash = kPrime5 + bytes.size();
    std::size_t at = 0;
    for (; at + 8 <= bytes.size(); at += 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes.data() + at, 8);
        hash = mix_word(hash, word);
    }
    if (at < bytes.size()) {
        std::uint64_t word = 0;
        std::memcpy(&word, bytes.data() + at, bytes.size() - at);
        hash = mix_word(hash, word);
    }
    hash ^= hash >> 33;
    hash *= kPrime2;
    hash ^= hash >> 29;
    hash *= kPrime3;
    hash ^= hash >> 32;
    return hash == 0 ? kPrime5 : hash;
}

}  // namespace infergate::routing
