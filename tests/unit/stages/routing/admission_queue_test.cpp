// AdmissionQueue on one io_context: admission, waiting, refusals, order and cancellation.
#include "infergate/stages/routing/admission_queue.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "unit/stages/routing/admission_test_support.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono_literals;

// A queue whose only slot is held, so that every admit() on `io` has to wait.
struct OneSlotHeld {
    explicit OneSlotHeld(std::size_t max_queue = 256) : queue(limit(1, max_queue)) {}

    // Starts admit(request) on `io`; once admitted, appends `name` to `order` and releases at
    // once (so that the next waiter is granted), or appends '!' when refused.
    void record(AdmissionRequest request, char name) {
        net::co_spawn(
            io,
            [this, request, name]() -> net::awaitable<void> {
                const Admission admission = co_await queue.admit(request);
                order += admission ? name : '!';
            },
            net::detached);
    }
    // Starts admit() on `io`, cancelled when `client_gone` is emitted; answers into `answer`.
    void spawn_cancellable() {
        net::co_spawn(
            io, [this]() -> net::awaitable<void> { answer = co_await queue.admit({}); },
            net::bind_cancellation_slot(client_gone.slot(), net::detached));
    }
    // Lets every waiter enqueue, frees the held slot, and runs until nobody waits.
    std::string serve_all() {
        io.poll();
        first.release();
        io.run();
        return order;
    }

    AdmissionQueue queue;
    Admission first = hold(queue);
    std::string order;
    std::optional<Admission> answer;
    net::cancellation_signal client_gone;
    net::io_context io;  // last: its waiting coroutines use the members above
};

TEST(AdmissionQueue, FreeSlotIsAdmittedAtOnce) {
    AdmissionQueue queue(limit(2));
    std::optional<Admission> first = queue.try_admit({});
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->admitted());
    EXPECT_EQ(first->waited(), AdmissionClock::duration::zero());
    EXPECT_EQ(queue.in_flight(), 1u);

    Admission second = admit_and_wait(queue);
    EXPECT_TRUE(second.admitted());
    EXPECT_EQ(second.waited(), AdmissionClock::duration::zero());
    EXPECT_EQ(queue.in_flight(), 2u);

    first->release();
    first->release();  // idempotent
    EXPECT_EQ(queue.in_flight(), 1u);
    second.release();
    EXPECT_EQ(queue.in_flight(), 0u);
}

TEST(AdmissionQueue, UnlimitedConcurrencyIsANoOp) {
    AdmissionQueue queue(limit(0));
    std::vector<Admission> held;
    for (int i = 0; i < 1000; ++i) {
        std::optional<Admission> admission = queue.try_admit({});
        ASSERT_TRUE(admission && admission->admitted());
        held.push_back(std::move(*admission));
    }
    EXPECT_EQ(queue.in_flight(), 0u);
    EXPECT_EQ(queue.queued(), 0u);
}

TEST(AdmissionQueue, MovedAdmissionReleasesOnce) {
    AdmissionQueue queue(limit(1));
    AdmissionQueue other_queue(limit(1));
    Admission first = hold(queue);
    Admission moved = std::move(first);
    first.release();  // moved from: holds nothing
    EXPECT_EQ(queue.in_flight(), 1u);
    moved = hold(other_queue);  // assigning gives the old slot back
    EXPECT_EQ(queue.in_flight(), 0u);
    EXPECT_EQ(other_queue.in_flight(), 1u);
}

TEST(AdmissionQueue, SecondRequestWaitsUntilTheFirstReleases) {
    OneSlotHeld held;
    EXPECT_FALSE(held.queue.try_admit({}));
    spawn_admit(held.io, held.queue, {}, held.answer);
    held.io.poll();
    EXPECT_FALSE(held.answer);
    EXPECT_EQ(held.queue.queued(), 1u);

    held.first.release();
    EXPECT_EQ(held.queue.in_flight(), 1u);  // handed straight to the waiter
    EXPECT_EQ(held.queue.queued(), 0u);
    held.io.run();
    ASSERT_TRUE(held.answer);
    EXPECT_TRUE(held.answer->admitted());
    held.answer.reset();
    EXPECT_EQ(held.queue.in_flight(), 0u);
}

TEST(AdmissionQueue, FullQueueRefusesAtOnce) {
    OneSlotHeld held(2);
    std::optional<Admission> waiting[2];
    spawn_admit(held.io, held.queue, {}, waiting[0]);
    spawn_admit(held.io, held.queue, {}, waiting[1]);
    held.io.poll();
    EXPECT_EQ(held.queue.queued(), 2u);

    spawn_admit(held.io, held.queue, {}, held.answer);
    held.io.poll();
    ASSERT_TRUE(held.answer);
    EXPECT_EQ(held.answer->result(), AdmissionResult::queue_full);
    EXPECT_FALSE(*held.answer);
    EXPECT_EQ(held.answer->retry_after(), held.queue.settings().retry_after);
    EXPECT_EQ(held.queue.queued(), 2u);

    held.first.release();  // the two waiters are served in turn
    held.io.poll();
    EXPECT_TRUE(waiting[0] && waiting[0]->admitted());
    EXPECT_FALSE(waiting[1]);
    waiting[0].reset();
    held.io.poll();
    EXPECT_TRUE(waiting[1] && waiting[1]->admitted());
}

TEST(AdmissionQueue, NoQueueMeansNoWaiting) {
    OneSlotHeld held(0);
    EXPECT_EQ(admit_and_wait(held.queue).result(), AdmissionResult::queue_full);
}

TEST(AdmissionQueue, DeadlinePassesTimeoutWithRetryAfter) {
    OneSlotHeld held;
    const auto deadline = AdmissionClock::now() + 50ms;
    const Admission late = admit_and_wait(held.queue, {.deadline = deadline});
    EXPECT_EQ(late.result(), AdmissionResult::timeout);
    // Timers never fire early: the refusal comes at the deadline, not before. (waited() counts
    // from admit()'s own start, a moment after the deadline was set, so it may read under 50ms.)
    EXPECT_GE(AdmissionClock::now(), deadline);
    EXPECT_GT(late.waited(), 0ms);
    EXPECT_GT(late.retry_after(), AdmissionClock::duration::zero());
    EXPECT_EQ(held.queue.queued(), 0u);
    EXPECT_EQ(held.queue.in_flight(), 1u);
}

TEST(AdmissionQueue, MaxWaitCapsTheRequestDeadline) {
    AdmissionSettings settings = limit(1);
    settings.max_wait = 50ms;
    AdmissionQueue queue(settings);
    Admission first = hold(queue);
    const Admission late = admit_and_wait(queue);  // no deadline of its own
    EXPECT_EQ(late.result(), AdmissionResult::timeout);
    EXPECT_GE(late.waited(), 50ms);
}

TEST(AdmissionQueue, GrantedWhenItsDeadlineAlsoPassedKeepsTheSlot) {
    OneSlotHeld held;
    spawn_admit(held.io, held.queue, {.deadline = AdmissionClock::now() + 20ms}, held.answer);
    held.io.poll();
    ASSERT_EQ(held.queue.queued(), 1u);
    // The deadline timer has expired but not run yet when the slot is handed over.
    std::this_thread::sleep_for(50ms);
    held.first.release();
    held.io.run();
    ASSERT_TRUE(held.answer);
    EXPECT_TRUE(held.answer->admitted());
    EXPECT_EQ(held.queue.in_flight(), 1u);
    held.answer.reset();
    EXPECT_EQ(held.queue.in_flight(), 0u);
}

TEST(AdmissionQueue, HigherBandIsServedFirst) {
    OneSlotHeld held;
    held.record({.priority = 0}, 'a');
    held.record({.priority = 0}, 'b');
    held.record({.priority = 1}, 'c');
    held.io.poll();
    held.record({.priority = 3}, 'D');  // the last to come
    EXPECT_EQ(held.serve_all(), "Dcab");
    EXPECT_EQ(held.queue.in_flight(), 0u);
}

TEST(AdmissionQueue, EqualWeightsGrantTenantsAlternately) {
    OneSlotHeld held;
    for (int i = 0; i < 10; ++i) held.record({.tenant = "a"}, 'A');
    for (int i = 0; i < 10; ++i) held.record({.tenant = "b"}, 'B');
    EXPECT_EQ(held.serve_all(), "ABABABABABABABABABAB");
}

TEST(AdmissionQueue, WeightTwoToOneGrantsTwiceAsOften) {
    OneSlotHeld held;
    for (int i = 0; i < 10; ++i) held.record({.tenant = "a", .tenant_weight = 2}, 'A');
    for (int i = 0; i < 10; ++i) held.record({.tenant = "b"}, 'B');
    EXPECT_EQ(held.serve_all(), "AABAABAABAABAABBBBBB");
}

TEST(AdmissionQueue, CancelledWaiterLeavesTheQueue) {
    OneSlotHeld held;
    held.spawn_cancellable();
    held.io.poll();
    ASSERT_EQ(held.queue.queued(), 1u);
    held.client_gone.emit(net::cancellation_type::terminal);
    held.io.run();
    ASSERT_TRUE(held.answer);
    EXPECT_EQ(held.answer->result(), AdmissionResult::cancelled);
    EXPECT_EQ(held.queue.queued(), 0u);
    held.first.release();
    EXPECT_EQ(held.queue.in_flight(), 0u);
}

TEST(AdmissionQueue, CancelledRightAfterItsGrantGivesTheSlotBack) {
    OneSlotHeld held;
    held.spawn_cancellable();
    held.io.poll();
    held.first.release();  // granted, but the coroutine has not resumed yet...
    held.client_gone.emit(net::cancellation_type::terminal);  // ...when its client goes
    held.io.run();
    ASSERT_TRUE(held.answer);
    EXPECT_EQ(held.answer->result(), AdmissionResult::cancelled);
    EXPECT_EQ(held.queue.in_flight(), 0u);
}

TEST(AdmissionQueue, LosingSideOfOrIsCancelled) {
    using namespace net::experimental::awaitable_operators;
    OneSlotHeld held;
    std::size_t winner = 99;
    net::co_spawn(
        held.io,
        [&]() -> net::awaitable<void> {
            net::steady_timer client_gone(held.io, 20ms);
            const auto either =
                co_await (held.queue.admit({}) || client_gone.async_wait(net::use_awaitable));
            winner = either.index();
        },
        net::detached);
    held.io.run();
    EXPECT_EQ(winner, 1u);
    EXPECT_EQ(held.queue.queued(), 0u);
    held.first.release();
    EXPECT_EQ(held.queue.in_flight(), 0u);
}

}  // namespace
}  // namespace infergate::routing
