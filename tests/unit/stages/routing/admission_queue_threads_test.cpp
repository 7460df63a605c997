// AdmissionQueue shared by worker threads, each with its own io_context: wake-ups across
// threads, io_contexts that go away with waiters, and concurrency under load.
#include "infergate/stages/routing/admission_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "unit/stages/routing/admission_test_support.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono_literals;

TEST(AdmissionQueueThreads, ReleaseOnOneThreadWakesAWaiterOnAnother) {
    AdmissionQueue queue(limit(1));
    WorkerThread a, b;
    std::promise<Admission> held;
    net::co_spawn(
        a.io(),
        [&]() -> net::awaitable<void> {
            Admission admission = co_await queue.admit({});
            held.set_value(std::move(admission));
        },
        net::detached);
    Admission holder = held.get_future().get();

    std::promise<std::pair<Admission, std::thread::id>> woken;
    net::co_spawn(
        b.io(),
        [&]() -> net::awaitable<void> {
            Admission admission = co_await queue.admit({});
            woken.set_value({std::move(admission), std::this_thread::get_id()});
        },
        net::detached);
    ASSERT_TRUE(eventually([&] { return queue.queued() == 1; }));

    net::post(a.io(), [holder = std::move(holder)]() mutable { holder.release(); });
    std::future<std::pair<Admission, std::thread::id>> result = woken.get_future();
    ASSERT_EQ(result.wait_for(20s), std::future_status::ready);
    auto [admission, thread] = result.get();
    EXPECT_TRUE(admission.admitted());
    EXPECT_EQ(thread, b.id());  // resumed on its own executor
    EXPECT_EQ(queue.in_flight(), 1u);
    admission.release();
    EXPECT_EQ(queue.in_flight(), 0u);
}

// A queue whose only slot is held here, and a coroutine on a worker thread waiting for it.
struct WaiterOnAWorker {
    WaiterOnAWorker() {
        spawn_admit(worker->io(), queue, {}, never);
        EXPECT_TRUE(eventually([&] { return queue.queued() == 1; }));
    }

    AdmissionQueue queue{limit(1)};
    Admission first = hold(queue);
    std::optional<Admission> never;  // the coroutine never gets to answer
    std::unique_ptr<WorkerThread> worker = std::make_unique<WorkerThread>();
};

TEST(AdmissionQueueThreads, WaiterOnADestroyedIoContextLeavesTheQueue) {
    WaiterOnAWorker waiting;
    waiting.worker.reset();  // stopped, joined and destroyed with the coroutine still waiting
    EXPECT_EQ(waiting.queue.queued(), 0u);
    waiting.first.release();
    EXPECT_EQ(waiting.queue.in_flight(), 0u);
    EXPECT_FALSE(waiting.never);
}

TEST(AdmissionQueueThreads, SlotGrantedToAStoppedIoContextReturnsWhenItIsDestroyed) {
    WaiterOnAWorker waiting;
    waiting.worker->stop();
    waiting.first.release();  // granted to a coroutine that will never run again
    EXPECT_EQ(waiting.queue.in_flight(), 1u);
    EXPECT_EQ(waiting.queue.queued(), 0u);
    waiting.worker.reset();
    EXPECT_EQ(waiting.queue.in_flight(), 0u);
    EXPECT_FALSE(waiting.never);
}

struct Load {
    std::atomic<int> holding{0};
    std::atomic<int> most_holding{0};
    std::atomic<std::size_t> most_in_flight{0};
    std::atomic<int> admitted{0};
    std::atomic<int> refused{0};
    std::atomic<int> loops_done{0};

    void enter(const AdmissionQueue& queue) {
        raise(most_holding, ++holding);
        raise(most_in_flight, queue.in_flight());
    }
    template <typename T>
    static void raise(std::atomic<T>& most, T value) {
        T seen = most.load();
        while (seen < value && !most.compare_exchange_weak(seen, value)) {
        }
    }
};

// `rounds` admissions one after the other, each held across a few scheduling points.
net::awaitable<void> admit_and_release(AdmissionQueue& queue, Load& load, int rounds, int seed) {
    const net::any_io_executor executor = co_await net::this_coro::executor;
    for (int i = 0; i < rounds; ++i) {
        const AdmissionRequest request{.tenant = (i + seed) % 2 == 0 ? "even" : "odd",
                                       .priority = (i + seed) % 3};
        Admission admission = co_await queue.admit(request);
        if (!admission) {
            ++load.refused;
            continue;
        }
        ++load.admitted;
        load.enter(queue);
        for (int yield = 0; yield < (i + seed) % 3; ++yield) {
            co_await net::post(executor, net::use_awaitable);
        }
        --load.holding;
    }
    ++load.loops_done;
}

TEST(AdmissionQueueThreads, FourThreadsNeverExceedTheLimitAndEndEmpty) {
    AdmissionSettings settings = limit(3);
    settings.max_wait = 60s;  // nobody times out: every admission is granted
    AdmissionQueue queue(settings);
    Load load;
    {
        std::vector<std::unique_ptr<WorkerThread>> workers;
        for (int t = 0; t < 4; ++t) {
            workers.push_back(std::make_unique<WorkerThread>());
            for (int c = 0; c < 4; ++c) {  // 4 coroutines x 250 rounds = 1,000 per thread
                net::co_spawn(workers.back()->io(), admit_and_release(queue, load, 250, t * 4 + c),
                              net::detached);
            }
        }
        ASSERT_TRUE(eventually([&] { return load.loops_done == 16; }, 120s));
    }
    EXPECT_EQ(load.admitted, 4000);
    EXPECT_EQ(load.refused, 0);
    EXPECT_LE(load.most_holding, 3);
    EXPECT_GE(load.most_holding, 1);
    EXPECT_LE(load.most_in_flight, 3u);
    EXPECT_EQ(queue.in_flight(), 0u);
    EXPECT_EQ(queue.queued(), 0u);
}

// Like admit_and_release, but with deadlines of a millisecond or two and a client that may
// leave after a millisecond: grants race deadlines and cancellations.
net::awaitable<void> admit_or_give_up(AdmissionQueue& queue, Load& load, int rounds, int seed) {
    using namespace net::experimental::awaitable_operators;
    const net::any_io_executor executor = co_await net::this_coro::executor;
    for (int i = 0; i < rounds; ++i) {
        const AdmissionRequest request{
            .tenant = i % 2 == 0 ? "even" : "odd",
            .deadline = AdmissionClock::now() + std::chrono::milliseconds((i + seed) % 3)};
        std::optional<Admission> admission;
        if ((i + seed) % 2 == 0) {
            admission = co_await queue.admit(request);
        } else {
            net::steady_timer client_gone(executor, 1ms);
            auto either =
                co_await (queue.admit(request) || client_gone.async_wait(net::use_awaitable));
            if (either.index() == 0) admission = std::move(std::get<0>(either));
        }
        if (!admission || !admission->admitted()) {
            ++load.refused;
            continue;
        }
        ++load.admitted;
        load.enter(queue);
        co_await net::post(executor, net::use_awaitable);
        --load.holding;
    }
    ++load.loops_done;
}

TEST(AdmissionQueueThreads, RacingDeadlinesAndCancellationsLeakNothing) {
    AdmissionQueue queue(limit(2, 8));
    Load load;
    {
        std::vector<std::unique_ptr<WorkerThread>> workers;
        for (int t = 0; t < 4; ++t) {
            workers.push_back(std::make_unique<WorkerThread>());
            for (int c = 0; c < 4; ++c) {
                net::co_spawn(workers.back()->io(), admit_or_give_up(queue, load, 250, t * 4 + c),
                              net::detached);
            }
        }
        ASSERT_TRUE(eventually([&] { return load.loops_done == 16; }, 120s));
    }
    EXPECT_EQ(load.admitted + load.refused, 4000);
    EXPECT_LE(load.most_holding, 2);
    EXPECT_EQ(queue.in_flight(), 0u);
    EXPECT_EQ(queue.queued(), 0u);
}

}  // namespace
}  // namespace infergate::routing
