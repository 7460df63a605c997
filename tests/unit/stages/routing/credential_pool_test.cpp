// CredentialPool: weighted choice among a backend's keys, 429 rests, 401/403 revocations.
#include "infergate/stages/routing/credential_pool.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <vector>

#include "run_together.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono;
using Status = CredentialPool::Status;

const TimePoint t0{hours(1)};

// How often each key was picked in `picks` picks.
std::vector<int> tally(CredentialPool& pool, int picks, TimePoint now) {
    std::vector<int> counts(pool.size(), 0);
    for (int i = 0; i < picks; ++i) {
        const auto key = pool.pick(now);
        if (key) ++counts[*key];
    }
    return counts;
}

TEST(CredentialPool, WeightsAreRespected) {
    CredentialPool pool({3, 1, 0});
    EXPECT_EQ(tally(pool, 400, t0), (std::vector<int>{300, 100, 0}));
    CredentialPool even({1, 1});
    EXPECT_EQ(tally(even, 2, t0), (std::vector<int>{1, 1}));
}

TEST(CredentialPool, ConcurrentPicksKeepTheWeightsExactly) {
    CredentialPool pool({3, 1});
    std::array<std::atomic<int>, 2> counts{};
    run_together(4, [&] {
        for (int i = 0; i < 1000; ++i) ++counts[*pool.pick(t0)];
    });
    EXPECT_EQ(counts[0].load(), 3000);
    EXPECT_EQ(counts[1].load(), 1000);
}

TEST(CredentialPool, ARateLimitedKeyIsSkippedUntilItsRestIsOver) {
    CredentialPool pool({1, 1});
    pool.rate_limited(0, seconds(10), t0);
    EXPECT_EQ(tally(pool, 10, t0 + seconds(9)), (std::vector<int>{0, 10}));
    EXPECT_EQ(pool.state(0, t0 + seconds(9)).status, Status::backed_off);
    EXPECT_EQ(pool.state(0, t0 + seconds(9)).until, t0 + seconds(10));
    EXPECT_EQ(pool.state(0, t0 + seconds(10)).status, Status::active);
    EXPECT_EQ(tally(pool, 10, t0 + seconds(10)), (std::vector<int>{5, 5}));
}

TEST(CredentialPool, WithoutRetryAfterTheDefaultRestApplies) {
    CredentialPool pool({1, 1}, seconds(7));
    pool.rate_limited(1, t0);
    EXPECT_EQ(pool.state(1, t0).until, t0 + seconds(7));
}

TEST(CredentialPool, ALongerRestInForceIsKept) {
    CredentialPool pool({1, 1});
    pool.rate_limited(0, seconds(30), t0);
    pool.rate_limited(0, seconds(5), t0 + seconds(1));
    EXPECT_EQ(pool.state(0, t0 + seconds(10)).until, t0 + seconds(30));
}

TEST(CredentialPool, ARejectedKeyIsNeverUsedAgain) {
    CredentialPool pool({5, 1});
    pool.rejected(0);
    pool.rejected(0);
    pool.rate_limited(0, seconds(1), t0);  // a late 429 does not bring it back
    EXPECT_EQ(pool.revoked_count(), 1u);
    EXPECT_EQ(pool.state(0, t0).status, Status::revoked);
    EXPECT_EQ(tally(pool, 12, t0 + hours(24)), (std::vector<int>{0, 12}));
}

TEST(CredentialPool, WhenEveryKeyRestsPickGivesNothingAndTheEarliestReturn) {
    CredentialPool pool({1, 1, 1});
    pool.rate_limited(0, seconds(30), t0);
    pool.rate_limited(1, seconds(10), t0);
    pool.rejected(2);
    EXPECT_EQ(pool.pick(t0), std::nullopt);
    EXPECT_EQ(pool.next_available(), t0 + seconds(10));
    EXPECT_EQ(pool.pick(t0 + seconds(10)), 1u);
}

TEST(CredentialPool, WhenEveryKeyIsRevokedNoneWillComeBack) {
    CredentialPool pool({1, 2});
    pool.rejected(0);
    pool.rejected(1);
    EXPECT_EQ(pool.pick(t0), std::nullopt);
    EXPECT_EQ(pool.next_available(), std::nullopt);
    EXPECT_EQ(pool.revoked_count(), 2u);
}

TEST(CredentialPool, ASingleKey) {
    CredentialPool pool({1});
    EXPECT_EQ(pool.pick(t0), 0u);
    EXPECT_LE(pool.next_available(), t0);  // usable already
    pool.rate_limited(0, seconds(2), t0);
    EXPECT_EQ(pool.pick(t0 + seconds(1)), std::nullopt);
    EXPECT_EQ(pool.pick(t0 + seconds(2)), 0u);
}

}  // namespace
}  // namespace infergate::routing
