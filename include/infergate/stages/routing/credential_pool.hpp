// Which of a backend's API keys to use. A backend may hold several keys (to add up their
// provider rate limits); the pool spreads requests over them by weight, rests a key the
// provider rate-limited (429) until its Retry-After, and drops a key the provider refused
// (401/403) until the next config reload. It holds indexes only: the caller maps an index to
// its secret.
//
// Weighted round-robin without a lock: a shared turn counter picks a slot in the summed
// weights of the keys available now, so every run of that many picks gives each key exactly
// its share (keys take their turns in blocks of their weight, in index order). A pick reads
// one atomic per key and increments one shared counter (not even that with a single key).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "infergate/stages/routing/steady_time.hpp"

namespace infergate::routing {

class CredentialPool {
public:
    enum class Status { active, backed_off, revoked };
    struct KeyState {
        Status status = Status::active;
        TimePoint until{};  // backed_off: when the key is usable again
    };

    // One weight per key; a key of weight 0 is never picked. `default_backoff` is the rest of a
    // key rate-limited without a Retry-After.
    explicit CredentialPool(std::vector<std::uint32_t> weights,
                            Duration default_backoff = std::chrono::seconds(5));

    std::size_t size() const noexcept { return weights_.size(); }

    // A key to use now; nullopt when every key is backed off or revoked (see next_available()).
    std::optional<std::size_t> pick(TimePoint now) noexcept;
    // The provider answered 429 for `key`: rest it until now + retry_after (a later rest already
    // in force is kept). Without a Retry-After, the default rest.
    void rate_limited(std::size_t key, Duration retry_after, TimePoint now) noexcept;
    void rate_limited(std::size_t key, TimePoint now) noexcept;
    // The provider refused `key` (401/403): never picked again.
    void rejected(std::size_t key) noexcept;

    std::size_t revoked_count() const noexcept { return revoked_.load(std::memory_order_relaxed); }
    KeyState state(std::size_t key, TimePoint now) const noexcept;  // key < size()
    // The earliest time a key that is not revoked (and has a weight) is usable: at or before
    // now when one is usable already. nullopt when no key will ever be usable again. For the
    // Retry-After of a 429 when pick() found nothing.
    std::optional<TimePoint> next_available() const noexcept;

private:
    bool usable(std::size_t key, Nanos at) const noexcept;

    std::vector<std::uint32_t> weights_;
    Duration default_backoff_;
    // Per key: the end of its rest in steady_clock ns (0: never rested), or kRevoked.
    std::unique_ptr<std::atomic<Nanos>[]> until_;
    std::atomic<std::uint64_t> turn_{0};
    std::atomic<std::size_t> revoked_{0};
};

}  // namespace infergate::routing
