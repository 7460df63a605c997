// FairQueue: the waiting order (priority bands, weighted fair between tenants, FIFO within one).
#include "infergate/stages/routing/fair_queue.hpp"

#include <gtest/gtest.h>

#include <string>

namespace infergate::routing {
namespace {

// Pops everything; each item is its tenant's name followed by a number, the order is the names.
std::string drain_tenants(FairQueue<std::string>& queue) {
    std::string order;
    while (!queue.empty()) order += queue.pop().substr(0, 1);
    return order;
}

TEST(FairQueue, HigherBandFirstThenFifo) {
    FairQueue<std::string> queue;
    queue.push("low1", 0, "", 1);
    queue.push("low2", 0, "", 1);
    queue.push("high", 3, "", 1);
    queue.push("mid", 1, "", 1);
    EXPECT_EQ(queue.size(), 4u);
    EXPECT_EQ(queue.front(), "high");
    EXPECT_EQ(queue.pop(), "high");
    EXPECT_EQ(queue.pop(), "mid");
    EXPECT_EQ(queue.pop(), "low1");
    EXPECT_EQ(queue.pop(), "low2");
    EXPECT_TRUE(queue.empty());
}

TEST(FairQueue, EqualWeightsAlternateEvenWhenOneTenantArrivedFirst) {
    FairQueue<std::string> queue;
    for (int i = 0; i < 10; ++i) queue.push("A" + std::to_string(i), 0, "a", 1);
    for (int i = 0; i < 10; ++i) queue.push("B" + std::to_string(i), 0, "b", 1);
    EXPECT_EQ(drain_tenants(queue), "ABABABABABABABABABAB");
}

TEST(FairQueue, WeightTwoToOneServesTwiceAsOften) {
    FairQueue<std::string> queue;
    for (int i = 0; i < 10; ++i) queue.push("A", 0, "a", 2);
    for (int i = 0; i < 10; ++i) queue.push("B", 0, "b", 1);
    EXPECT_EQ(drain_tenants(queue), "AABAABAABAABAABBBBBB");
}

TEST(FairQueue, FifoWithinATenant) {
    FairQueue<std::string> queue;
    for (int i = 0; i < 5; ++i) queue.push(std::to_string(i), 0, "a", 3);
    std::string order;
    while (!queue.empty()) order += queue.pop();
    EXPECT_EQ(order, "01234");
}

TEST(FairQueue, ALateTenantDoesNotGetCreditForItsIdleTime) {
    FairQueue<std::string> queue;
    for (int i = 0; i < 6; ++i) queue.push("A", 0, "a", 1);
    EXPECT_EQ(queue.pop(), "A");
    EXPECT_EQ(queue.pop(), "A");
    EXPECT_EQ(queue.pop(), "A");
    // B arrives after three of A's were served: it shares from now on, not from the start.
    for (int i = 0; i < 3; ++i) queue.push("B", 0, "b", 1);
    EXPECT_EQ(drain_tenants(queue), "ABABAB");
}

TEST(FairQueue, EraseRemovesOneWaiterAndTenantStateGoesWithTheLastOne) {
    FairQueue<std::string> queue;
    const auto a1 = queue.push("A1", 0, "a", 1);
    queue.push("A2", 0, "a", 1);
    const auto b1 = queue.push("B1", 2, "b", 1);
    EXPECT_EQ(queue.tenants(), 2u);
    queue.erase(b1);
    EXPECT_EQ(queue.tenants(), 1u);
    queue.erase(a1);
    EXPECT_EQ(queue.size(), 1u);
    EXPECT_EQ(queue.pop(), "A2");
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(queue.tenants(), 0u);
}

TEST(FairQueue, StateIsBoundedByWaitersNotByTenantsSeen) {
    FairQueue<std::string> queue;
    for (int i = 0; i < 10000; ++i) {
        queue.push("x", i % 4, "tenant-" + std::to_string(i), 1);
        queue.pop();
    }
    EXPECT_EQ(queue.tenants(), 0u);
}

TEST(FairQueue, HugeAndZeroWeightsStillMoveVirtualTime) {
    FairQueue<std::string> queue;
    queue.push("A", 0, "a", 4'000'000'000u);  // step rounds to 0: taken as 1
    queue.push("A", 0, "a", 4'000'000'000u);
    queue.push("Z", 0, "z", 0);  // weight 0 counts as 1
    EXPECT_EQ(drain_tenants(queue), "AAZ");
}

}  // namespace
}  // namespace infergate::routing
