#include "infergate/stages/auth/failure_limiter.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace infergate::auth {
namespace {

constexpr quota::Nanos kMinute = 60'000'000'000;

}  // namespace

FailureLimiter::FailureLimiter(std::int64_t failures_per_minute, std::size_t max_addresses, SteadyNow steady_now)
    : per_minute_(failures_per_minute),
      max_per_shard_(std::max<std::size_t>(max_addresses / kShards, 1)),
      steady_now_(steady_now ? std::move(steady_now) : SteadyNow(&std::chrono::steady_clock::now)) {}

std::size_t FailureLimiter::KeyHash::operator()(const Key& key) const noexcept {
    return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

FailureLimiter::Key FailureLimiter::key_of(const net::ip::address& address) noexcept {
    const auto v6 = address.is_v4() ? net::ip::make_address_v6(net::ip::v4_mapped, address.to_v4())
                                    : address.to_v6();
    return v6.to_bytes();
}

FailureLimiter::Shard& FailureLimiter::shard_of(const Key& key) const noexcept {
    return shards_[KeyHash{}(key) % kShards];
}

quota::Nanos FailureLimiter::now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(steady_now_().time_since_epoch()).count();
}

std::chrono::nanoseconds FailureLimiter::blocked_for(const net::ip::address& address) const {
    if (per_minute_ == 0) return {};
    const quota::Nanos at = now();
    // The common case, nobody blocked: no lock, no hashing.
    if (latest_tat_.load(std::memory_order_relaxed) + kMinute / per_minute_ - at <= kMinute) return {};
    const Key key = key_of(address);
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);
    const auto found = shard.windows.find(key);
    if (found == shard.windows.end()) return {};
    // Blocked while not even one more attempt fits.
    if (found->second.fits(1, per_minute_, kMinute, at)) return {};
    return std::chrono::nanoseconds(found->second.until_fits(1, per_minute_, kMinute, at));
}

bool FailureLimiter::record_failure(const net::ip::address& address) {
    if (per_minute_ == 0) return false;
    const Key key = key_of(address);
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);
    const quota::Nanos at = now();
    auto found = shard.windows.find(key);
    if (found == shard.windows.end()) {
        if (shard.windows.size() >= max_per_shard_) make_room(shard, at);
        found = shard.windows.emplace(key, quota::RollingWindow{}).first;
    }
    quota::RollingWindow& window = found->second;
    const bool was_open = window.fits(1, per_minute_, kMinute, at);
    // Charged even past the limit (up to one period of backlog), so that hammering on while
    // blocked keeps the address blocked instead of earning new attempts.
    if (window.fits(1, per_minute_, kMinute, at)) {
        window.charge(1, per_minute_, kMinute, at);
    } else {
        window.tat = std::min(std::max(window.tat, at) + kMinute / per_minute_, at + kMinute);
    }
    quota::Nanos latest = latest_tat_.load(std::memory_order_relaxed);
    while (latest < window.tat && !latest_tat_.compare_exchange_weak(latest, window.tat, std::memory_order_relaxed)) {
    }
    return was_open && !window.fits(1, per_minute_, kMinute, at);
}

void FailureLimiter::make_room(Shard& shard, quota::Nanos at) {
    const std::size_t before = shard.windows.size();
    std::erase_if(shard.windows, [at](const auto& entry) { return entry.second.until_full(at) == 0; });
    if (shard.windows.size() == before) {
        // Every address still counts against its window: forget the one closest to draining.
        const auto soonest = std::min_element(shard.windows.begin(), shard.windows.end(),
                                              [](const auto& a, const auto& b) { return a.second.tat < b.second.tat; });
        shard.windows.erase(soonest);
    }
}

}  // namespace infergate::auth
