#include "infergate/common/spin_lock.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace infergate {
namespace {

TEST(SpinLock, NoIncrementIsLostWhenThreadsOutnumberCores) {
    // More threads than the machine has cores: holders get preempted, waiters must yield to them.
    SpinLock lock;
    std::int64_t counter = 0;  // plain: only the lock keeps the read-modify-writes apart
    constexpr int kThreads = 8, kEach = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kEach; ++i) {
                std::lock_guard guard(lock);
                counter = counter + 1;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(counter, std::int64_t{kThreads} * kEach);
}

TEST(SpinLock, TryLockFailsWhileHeldAndSucceedsAfter) {
    SpinLock lock;
    lock.lock();
    bool taken = true;
    std::thread([&] { taken = lock.try_lock(); }).join();
    EXPECT_FALSE(taken);
    lock.unlock();
    EXPECT_TRUE(lock.try_lock());
    lock.unlock();
}

}  // namespace
}  // namespace infergate
