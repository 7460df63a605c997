// RetryBudget: retries capped at a ratio of requests, a per-second floor, a sliding window.
#include "infergate/stages/routing/retry_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "run_together.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono;

const TimePoint t0{hours(1)};  // on a bucket boundary

int retries_allowed(RetryBudget& budget, int tries, TimePoint now) {
    int allowed = 0;
    for (int i = 0; i < tries; ++i) allowed += budget.try_retry(now) ? 1 : 0;
    return allowed;
}

void record_requests(RetryBudget& budget, int count, TimePoint now) {
    for (int i = 0; i < count; ++i) budget.record_request(now);
}

TEST(RetryBudget, RetriesAreCappedAtTheRatioOfRequests) {
    RetryBudget budget(0.2, 1, seconds(10));  // floor: 10 retries in the window
    record_requests(budget, 100, t0);
    EXPECT_EQ(retries_allowed(budget, 100, t0 + seconds(1)), 20);
}

TEST(RetryBudget, TheFloorAllowsRetriesOnAnIdleRoute) {
    RetryBudget budget(0.2, 10, seconds(10));
    EXPECT_EQ(retries_allowed(budget, 150, t0), 100);  // 10 per second over 10 s
    RetryBudget no_floor(0.2, 0, seconds(10));
    EXPECT_FALSE(no_floor.try_retry(t0));
}

TEST(RetryBudget, RefusedRetriesDoNotSpendTheBudget) {
    RetryBudget budget(0.2, 0, seconds(10));
    record_requests(budget, 10, t0);
    EXPECT_EQ(retries_allowed(budget, 50, t0), 2);
    record_requests(budget, 5, t0);  // 15 requests: room for one more
    EXPECT_TRUE(budget.try_retry(t0));
    EXPECT_FALSE(budget.try_retry(t0));
}

TEST(RetryBudget, RequestsAndRetriesLeaveTheWindow) {
    RetryBudget budget(0.2, 0, seconds(10));
    record_requests(budget, 100, t0);
    EXPECT_EQ(retries_allowed(budget, 100, t0), 20);
    // Still inside the window: nothing more.
    EXPECT_FALSE(budget.try_retry(t0 + seconds(9)));
    // t0's bucket has left: its requests no longer earn retries...
    EXPECT_FALSE(budget.try_retry(t0 + seconds(10)));
    // ...and its retries no longer spend any: new requests earn a fresh allowance.
    record_requests(budget, 50, t0 + seconds(10));
    EXPECT_EQ(retries_allowed(budget, 100, t0 + seconds(10)), 10);
}

TEST(RetryBudget, ConcurrentRetriesNeverOverrunTheBudget) {
    RetryBudget budget(0.2, 0, seconds(10));
    record_requests(budget, 100, t0);
    std::atomic<int> allowed{0};
    run_together(4, [&] { allowed += retries_allowed(budget, 100, t0); });
    EXPECT_EQ(allowed.load(), 20);
}

}  // namespace
}  // namespace infergate::routing
