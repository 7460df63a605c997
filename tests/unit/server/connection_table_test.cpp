#include "infergate/server/connection_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace infergate::server {
namespace {

using Kind = ConnectionTable::Kind;

class ConnectionTableTest : public ::testing::Test {
protected:
    // Admits a connection named `name`; its eviction is recorded in `evicted`.
    ConnectionTable::Admission admit(const std::string& name, std::size_t limit = 2,
                                     std::size_t reserve = 1) {
        return table.admit(limit, reserve, [this, name] { evicted.push_back(name); });
    }
    ConnectionTable table;
    std::vector<std::string> evicted;
};

TEST_F(ConnectionTableTest, AdmitsUpToTheLimitWithoutEvicting) {
    auto a = admit("a");
    auto b = admit("b");
    ASSERT_TRUE(a.slot && b.slot);
    EXPECT_EQ(a.slot->kind(), Kind::normal);
    EXPECT_EQ(b.slot->kind(), Kind::normal);
    EXPECT_FALSE(a.evicted || b.evicted);
    EXPECT_EQ(table.open(), 2u);
    a.slot.reset();
    EXPECT_EQ(table.open(), 1u);
}

TEST_F(ConnectionTableTest, AtTheLimitTheLongestWaitingConnectionMakesRoom) {
    auto a = admit("a");
    auto b = admit("b");
    a.slot->busy();
    a.slot->waiting();  // a finished a request: now b has waited longest
    auto c = admit("c");
    ASSERT_TRUE(c.slot);
    EXPECT_TRUE(c.evicted);
    EXPECT_EQ(c.slot->kind(), Kind::normal);
    EXPECT_EQ(evicted, std::vector<std::string>{"b"});
    EXPECT_EQ(table.open(), 2u);
    b.slot.reset();  // the evicted session ends later: its place is already c's
    EXPECT_EQ(table.open(), 2u);
    auto d = admit("d");
    EXPECT_EQ(evicted, (std::vector<std::string>{"b", "a"}));
}

TEST_F(ConnectionTableTest, BusyConnectionsAreNeverEvictedAndTheReserveTakesOver) {
    auto a = admit("a");
    auto b = admit("b");
    a.slot->busy();
    b.slot->busy();
    auto r = admit("r");
    ASSERT_TRUE(r.slot);
    EXPECT_EQ(r.slot->kind(), Kind::reserve);
    EXPECT_FALSE(r.evicted);
    r.slot->busy();
    auto refused = admit("x");
    EXPECT_FALSE(refused.slot);
    EXPECT_FALSE(refused.evicted);
    EXPECT_TRUE(evicted.empty());
    EXPECT_EQ(table.open(), 3u);

    // A waiting reserve connection is evicted like any other.
    r.slot->waiting();
    auto s = admit("s");
    ASSERT_TRUE(s.slot);
    EXPECT_EQ(evicted, std::vector<std::string>{"r"});
    EXPECT_EQ(s.slot->kind(), Kind::reserve);

    a.slot.reset();  // a normal place is free again
    auto n = admit("n");
    ASSERT_TRUE(n.slot);
    EXPECT_EQ(n.slot->kind(), Kind::normal);
}

TEST_F(ConnectionTableTest, NoReserveMeansRefusedWhenAllAreBusy) {
    auto a = admit("a", 1, 0);
    a.slot->busy();
    EXPECT_FALSE(admit("b", 1, 0).slot);
    a.slot->waiting();
    EXPECT_TRUE(admit("c", 1, 0).slot);
    EXPECT_EQ(evicted, std::vector<std::string>{"a"});
}

TEST_F(ConnectionTableTest, AnEvictedSlotStaysOutOfTheWaitingList) {
    auto a = admit("a", 1, 0);
    auto b = admit("b", 1, 0);  // evicts a
    a.slot->waiting();                          // a's session has not noticed yet
    b.slot->busy();
    EXPECT_FALSE(admit("c", 1, 0).slot);  // a is not evicted twice
    EXPECT_EQ(evicted, std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace infergate::server
