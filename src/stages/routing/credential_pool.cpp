// Weighted choice among a backend's API keys (see credential_pool.hpp).
#include "infergate/stages/routing/credential_pool.hpp"

#include <limits>

namespace infergate::routing {
namespace {

constexpr Nanos kRevoked = std::numeric_limits<Nanos>::max();

}  // namespace

CredentialPool::CredentialPool(std::vector<std::uint32_t> weights, Duration default_backoff)
    : weights_(std::move(weights)),
      default_backoff_(default_backoff),
      until_(std::make_unique<std::atomic<Nanos>[]>(weights_.size())) {}

bool CredentialPool::usable(std::size_t key, Nanos at) const noexcept {
    return weights_[key] != 0 && until_[key].load(std::memory_order_relaxed) <= at;
}

std::optional<std::size_t> CredentialPool::pick(TimePoint now) noexcept {
    const Nanos at = to_nanos(now);
    const std::size_t keys = weights_.size();
    if (keys == 1) return usable(0, at) ? std::optional<std::size_t>(0) : std::nullopt;
    std::uint64_t total = 0;
    for (std::size_t key = 0; key < keys; ++key) {
        if (usable(key, at)) total += weights_[key];
    }
    if (total == 0) return std::nullopt;
    std::uint64_t slot = turn_.fetch_add(1, std::memory_order_relaxed) % total;
    std::optional<std::size_t> fallback;
    for (std::size_t key = 0; key < keys; ++key) {
        if (!usable(key, at)) continue;
        if (slot < weights_[key]) return key;
        slot -= weights_[key];
        fallback = key;
    }
    // A key was rested between the two passes, so the slot fell past the end.
    return fallback;
}

void CredentialPool::rate_limited(std::size_t key, Duration retry_after, TimePoint now) noexcept {
    if (key >= weights_.size()) return;
    const Nanos until = add_saturated(to_nanos(now), retry_after);
    std::atomic<Nanos>& slot = until_[key];
    Nanos seen = slot.load(std::memory_order_relaxed);
    // Only ever later: a longer rest (or a revocation) already in force stays.
    while (seen < until && !slot.compare_exchange_weak(seen, until, std::memory_order_relaxed)) {
    }
}

void CredentialPool::rate_limited(std::size_t key, TimePoint now) noexcept {
    rate_limited(key, default_backoff_, now);
}

void CredentialPool::rejected(std::size_t key) noexcept {
    if (key >= weights_.size()) return;
    if (until_[key].exchange(kRevoked, std::memory_order_relaxed) != kRevoked) {
        revoked_.fetch_add(1, std::memory_order_relaxed);
    }
}

CredentialPool::KeyState CredentialPool::state(std::size_t key, TimePoint now) const noexcept {
    const Nanos until = until_[key].load(std::memory_order_relaxed);
    if (until == kRevoked) return {Status::revoked, {}};
    if (until > to_nanos(now)) return {Status::backed_off, from_nanos(until)};
    return {Status::active, {}};
}

std::optional<TimePoint> CredentialPool::next_available() const noexcept {
    std::optional<Nanos> earliest;
    for (std::size_t key = 0; key < weights_.size(); ++key) {
        const Nanos until = until_[key].load(std::memory_order_relaxed);
        if (weights_[key] == 0 || until == kRevoked) continue;
        if (!earliest || until < *earliest) earliest = until;
    }
    if (!earliest) return std::nullopt;
    return from_nanos(*earliest);
}

}  // namespace infergate::routing
