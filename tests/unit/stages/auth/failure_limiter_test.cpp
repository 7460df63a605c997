#include "infergate/stages/auth/failure_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace infergate::auth {
namespace {

using namespace std::chrono;

struct Fixture {
    steady_clock::time_point now{hours(1)};
    FailureLimiter limiter(std::int64_t per_minute, std::size_t max_addresses = 65536) {
        return FailureLimiter(per_minute, max_addresses, [this] { return now; });
    }
};

const net::ip::address kGuesser = net::ip::make_address("203.0.113.7");
const net::ip::address kNeighbour = net::ip::make_address("203.0.113.8");

TEST(FailureLimiter, BlocksAnAddressAfterItsAllowanceAndOnlyThatAddress) {
    Fixture clock;
    FailureLimiter limiter = clock.limiter(5);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(limiter.blocked_for(kGuesser), nanoseconds::zero());
        EXPECT_FALSE(limiter.record_failure(kGuesser));
    }
    EXPECT_TRUE(limiter.record_failure(kGuesser));  // the fifth failure closes the door
    EXPECT_GT(limiter.blocked_for(kGuesser), nanoseconds::zero());
    EXPECT_EQ(limiter.blocked_for(kNeighbour), nanoseconds::zero());
    // IPv4 and its v4-mapped IPv6 form are one address (a dual-stack listener sees the latter).
    EXPECT_GT(limiter.blocked_for(net::ip::make_address("::ffff:203.0.113.7")), nanoseconds::zero());
}

TEST(FailureLimiter, AllowanceComesBackAtTheConfiguredRate) {
    Fixture clock;
    FailureLimiter limiter = clock.limiter(6);  // one attempt back every 10 s
    for (int i = 0; i < 6; ++i) limiter.record_failure(kGuesser);
    const auto wait = limiter.blocked_for(kGuesser);
    EXPECT_EQ(duration_cast<seconds>(wait), seconds(10));
    clock.now += seconds(10);
    EXPECT_EQ(limiter.blocked_for(kGuesser), nanoseconds::zero());
    EXPECT_TRUE(limiter.record_failure(kGuesser));  // one attempt, then closed again
}

TEST(FailureLimiter, HammeringWhileBlockedKeepsTheAddressBlocked) {
    Fixture clock;
    FailureLimiter limiter = clock.limiter(6);
    for (int i = 0; i < 1000; ++i) {
        limiter.record_failure(kGuesser);
        clock.now += milliseconds(100);  // 10 attempts a second, well above the allowance
    }
    EXPECT_GT(limiter.blocked_for(kGuesser), nanoseconds::zero());
    // ...but the backlog is capped at one minute: an address is never blocked for longer.
    clock.now += seconds(60);
    EXPECT_EQ(limiter.blocked_for(kGuesser), nanoseconds::zero());
}

TEST(FailureLimiter, ZeroTurnsItOff) {
    Fixture clock;
    FailureLimiter limiter = clock.limiter(0);
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.record_failure(kGuesser));
    EXPECT_EQ(limiter.blocked_for(kGuesser), nanoseconds::zero());
}

TEST(FailureLimiter, MemoryIsBoundedByTheAddressCapNotByTraffic) {
    Fixture clock;
    FailureLimiter limiter = clock.limiter(2, /*max_addresses=*/16);  // one per shard
    // A flood from many addresses (each failing twice, so blocked) evicts older ones rather
    // than growing; the most recent guesser stays blocked.
    for (unsigned i = 0; i < 10'000; ++i) {
        const auto address = net::ip::make_address_v4(0x0a000000u + i);
        limiter.record_failure(address);
        limiter.record_failure(address);
    }
    EXPECT_GT(limiter.blocked_for(net::ip::make_address_v4(0x0a000000u + 9'999)), nanoseconds::zero());
    std::size_t still_blocked = 0;
    for (unsigned i = 0; i < 10'000; ++i) {
        if (limiter.blocked_for(net::ip::make_address_v4(0x0a000000u + i)) > nanoseconds::zero()) ++still_blocked;
    }
    EXPECT_LE(still_blocked, 16u);
}

TEST(FailureLimiter, ExactUnderConcurrentFailuresFromOneAddress) {
    Fixture clock;  // frozen clock: no allowance comes back during the test
    FailureLimiter limiter = clock.limiter(100);
    std::atomic<int> blocking{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                if (limiter.record_failure(kGuesser)) ++blocking;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(blocking.load(), 1);  // exactly one failure was the 100th
    EXPECT_GT(limiter.blocked_for(kGuesser), nanoseconds::zero());
}

}  // namespace
}  // namespace infergate::auth
