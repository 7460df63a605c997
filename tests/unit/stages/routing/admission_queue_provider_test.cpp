// AdmissionQueue with a provider's rate-limit feedback: requests held until the provider's reset.
#include "infergate/stages/routing/admission_queue.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "unit/stages/routing/admission_test_support.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono_literals;

TEST(AdmissionQueueProvider, NoRequestsLeftHoldsRequestsUntilTheReset) {
    AdmissionQueue queue(limit(0));  // no concurrency limit: only the provider holds them back
    const AdmissionClock::time_point noted = AdmissionClock::now();
    queue.note_provider_limits(0, std::nullopt, 200ms, std::nullopt, noted);
    EXPECT_FALSE(queue.try_admit({}));

    net::io_context io;
    std::optional<Admission> answers[3];
    AdmissionClock::time_point admitted_at[3];
    for (int i = 0; i < 3; ++i) {
        net::co_spawn(
            io,
            [&, i]() -> net::awaitable<void> {
                answers[i] = co_await queue.admit({});
                admitted_at[i] = AdmissionClock::now();
            },
            net::detached);
    }
    io.poll();
    EXPECT_EQ(queue.queued(), 3u);
    io.run();
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(answers[i]);
        EXPECT_TRUE(answers[i]->admitted());
        EXPECT_GE(admitted_at[i], noted + 200ms);
        EXPECT_GT(answers[i]->waited(), AdmissionClock::duration::zero());
    }
    EXPECT_TRUE(queue.try_admit({}));  // the limit is forgotten after its reset
}

TEST(AdmissionQueueProvider, FewerTokensThanTheEstimateWaitsForTheTokenReset) {
    AdmissionQueue queue(limit(4));
    const AdmissionClock::time_point noted = AdmissionClock::now();
    queue.note_provider_limits(std::nullopt, 100, std::nullopt, 200ms, noted);
    EXPECT_TRUE(queue.try_admit({.estimated_tokens = 100}));  // fits
    EXPECT_FALSE(queue.try_admit({.estimated_tokens = 500}));

    EXPECT_TRUE(admit_and_wait(queue, {.estimated_tokens = 500}).admitted());
    EXPECT_GE(AdmissionClock::now(), noted + 200ms);
}

TEST(AdmissionQueueProvider, ResetAfterTheDeadlineRefusesWithTheTimeToReset) {
    AdmissionQueue queue(limit(4));
    queue.note_provider_limits(0, std::nullopt, 10s, std::nullopt);
    const Admission late = admit_and_wait(queue, {.deadline = AdmissionClock::now() + 50ms});
    EXPECT_EQ(late.result(), AdmissionResult::timeout);
    EXPECT_GT(late.retry_after(), 5s);
    EXPECT_LE(late.retry_after(), 10s);
}

TEST(AdmissionQueueProvider, FullQueueSuggestsTheTimeToReset) {
    AdmissionQueue queue(limit(4, 0));
    queue.note_provider_limits(0, std::nullopt, 10s, std::nullopt);
    const Admission refused = admit_and_wait(queue);
    EXPECT_EQ(refused.result(), AdmissionResult::queue_full);
    EXPECT_GT(refused.retry_after(), 5s);
}

TEST(AdmissionQueueProvider, LiftedLimitAdmitsWaitersAtOnce) {
    AdmissionQueue queue(limit(4));
    queue.note_provider_limits(0, std::nullopt, 60s, std::nullopt);
    net::io_context io;
    std::optional<Admission> answer;
    spawn_admit(io, queue, {}, answer);
    io.poll();
    ASSERT_EQ(queue.queued(), 1u);
    queue.note_provider_limits(10, std::nullopt, 60s, std::nullopt);
    io.run();  // admitted long before the 60 s reset or the 5 s max_wait
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->admitted());
}

TEST(AdmissionQueueProvider, LimitNotedWhileWaitingForASlotIsWatchedByTheHead) {
    AdmissionQueue queue(limit(1));
    Admission first = hold(queue);
    net::io_context io;
    std::optional<Admission> answer;
    spawn_admit(io, queue, {}, answer);  // sleeps until its deadline, waiting for a release
    io.poll();
    const AdmissionClock::time_point noted = AdmissionClock::now();
    queue.note_provider_limits(0, std::nullopt, 200ms, std::nullopt, noted);
    first.release();  // a free slot, but the provider says wait: nobody else runs the queue
    EXPECT_EQ(queue.in_flight(), 0u);
    io.run();
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->admitted());
    EXPECT_GE(AdmissionClock::now(), noted + 200ms);
    EXPECT_EQ(queue.in_flight(), 1u);
}

TEST(AdmissionQueueProvider, HeadOfLineIsNotOvertakenBySmallerRequests) {
    AdmissionQueue queue(limit(4));
    queue.note_provider_limits(std::nullopt, 100, std::nullopt, 200ms);
    net::io_context io;
    std::string order;
    for (const std::pair<char, std::int64_t> request : {std::pair{'B', 500}, std::pair{'s', 10}}) {
        net::co_spawn(
            io,
            [&, name = request.first, tokens = request.second]() -> net::awaitable<void> {
                const Admission admission = co_await queue.admit({.estimated_tokens = tokens});
                order += admission ? name : '!';
            },
            net::detached);
    }
    io.run();
    EXPECT_EQ(order, "Bs");
}

}  // namespace
}  // namespace infergate::routing
