// Slows down key guessing: counts failed authentications per client address and, once an
// address has failed too often in the last minute, refuses every request from it (429) until
// the window drains. A correct key from a blocked address is refused too: answering it would
// tell a guesser that the guess was right.
//
// Per address a GCRA window (one integer), in shards with a mutex each. Memory is bounded by
// `max_addresses`, not by traffic: when a shard is full, addresses whose window has drained are
// dropped first, then the one closest to draining. While no address is blocked, a request
// takes no lock: one clock read and one atomic load.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "infergate/net.hpp"
#include "infergate/stages/quota/windows.hpp"

namespace infergate::auth {

class FailureLimiter {
public:
    using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

    // `failures_per_minute` 0: the limiter is off.
    explicit FailureLimiter(std::int64_t failures_per_minute, std::size_t max_addresses = 65536,
                            SteadyNow steady_now = {});

    std::int64_t failures_per_minute() const noexcept { return per_minute_; }

    // How long `address` stays refused; zero when it may try.
    std::chrono::nanoseconds blocked_for(const net::ip::address& address) const;
    // Records one failed attempt. Returns true when this failure is the one that blocks it.
    bool record_failure(const net::ip::address& address);

private:
    using Key = std::array<unsigned char, 16>;  // IPv4 as v4-mapped IPv6
    struct KeyHash {
        std::size_t operator()(const Key& key) const noexcept;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<Key, quota::RollingWindow, KeyHash> windows;
    };
    static constexpr std::size_t kShards = 16;

    static Key key_of(const net::ip::address& address) noexcept;
    Shard& shard_of(const Key& key) const noexcept;
    quota::Nanos now() const;
    void make_room(Shard& shard, quota::Nanos now);

    std::int64_t per_minute_;
    std::size_t max_per_shard_;
    SteadyNow steady_now_;
    mutable std::array<Shard, kShards> shards_;
    // The latest window end of any address: nobody is blocked before it comes close to now.
    std::atomic<quota::Nanos> latest_tat_{0};
};

}  // namespace infergate::auth
