// SocketDeadline on a real loopback socket: a read pending past the deadline is
// cancelled (and only then), re-arming moves the deadline either way, disarming stops it.
#include "infergate/common/socket_deadline.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>

namespace infergate::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SocketDeadlineTest : public ::testing::Test {
protected:
    void SetUp() override {
        tcp::acceptor acceptor(io_, {net::ip::make_address("127.0.0.1"), 0});
        client_.connect(acceptor.local_endpoint());
        acceptor.accept(server_);
    }

    // Runs a read on the server socket until it completes; what it ended with, and when.
    struct Read {
        beast::error_code ec;
        Clock::duration after;
    };
    Read read_with(const std::function<void()>& meanwhile = {}) {
        std::optional<Read> done;
        const auto start = Clock::now();
        server_.async_read_some(net::buffer(&byte_, 1), [&](beast::error_code ec, std::size_t) {
            done = Read{ec, Clock::now() - start};
        });
        if (meanwhile) meanwhile();
        io_.restart();
        io_.run_for(5s);
        EXPECT_TRUE(done.has_value()) << "the read never ended";
        return done.value_or(Read{});
    }

    // After `delay`, from inside the event loop.
    void at(Clock::duration delay, std::function<void()> action) {
        auto timer = std::make_shared<net::steady_timer>(io_, delay);
        timer->async_wait([timer, action = std::move(action)](beast::error_code) { action(); });
    }

    net::io_context io_;
    tcp::socket client_{io_};
    tcp::socket server_{io_};
    char byte_ = 0;
};

TEST_F(SocketDeadlineTest, APendingReadIsCancelledAtTheDeadline) {
    SocketDeadline deadline(server_);
    deadline.arm(80ms);
    const Read read = read_with();
    EXPECT_EQ(read.ec, net::error::operation_aborted);
    EXPECT_GE(read.after, 80ms);
    EXPECT_TRUE(deadline.expired());
    EXPECT_TRUE(deadline.caused(read.ec));  // the read timed out
    EXPECT_TRUE(server_.is_open());  // cancelled, not closed: there is still a 408 to write
}

TEST_F(SocketDeadlineTest, ReArmingLaterMovesTheDeadlineWithoutEndingTheRead) {
    SocketDeadline deadline(server_);
    deadline.arm(100ms);
    const Read read = read_with([&] { at(60ms, [&] { deadline.arm(150ms); }); });  // now due at ~210 ms
    EXPECT_EQ(read.ec, net::error::operation_aborted);
    EXPECT_GE(read.after, 200ms);
    EXPECT_TRUE(deadline.expired());
}

TEST_F(SocketDeadlineTest, ReArmingEarlierEndsTheReadEarlier) {
    SocketDeadline deadline(server_);
    deadline.arm(3s);
    const Read read = read_with([&] { at(20ms, [&] { deadline.arm(50ms); }); });
    EXPECT_EQ(read.ec, net::error::operation_aborted);
    EXPECT_LT(read.after, 2s);
    EXPECT_TRUE(deadline.expired());
}

TEST_F(SocketDeadlineTest, ADisarmedDeadlineCancelsNothing) {
    SocketDeadline deadline(server_);
    deadline.arm(50ms);
    deadline.disarm();
    // The peer writes long after the old deadline: the read gets the byte.
    const Read read = read_with([&] { at(250ms, [&] { net::write(client_, net::buffer("x", 1)); }); });
    EXPECT_FALSE(read.ec) << read.ec.message();
    EXPECT_GE(read.after, 250ms);
    EXPECT_FALSE(deadline.expired());
    // A cancellation by anyone else (a close, an eviction) is not a timeout.
    EXPECT_FALSE(deadline.caused(net::error::operation_aborted));
    // Armed again, it works again, and a fresh arm() clears `expired`.
    deadline.arm(30ms);
    EXPECT_EQ(read_with().ec, net::error::operation_aborted);
    EXPECT_TRUE(deadline.expired());
    deadline.arm(1s);
    EXPECT_FALSE(deadline.expired());
    deadline.disarm();
}

TEST_F(SocketDeadlineTest, ItsWaitMayOutliveIt) {
    {
        SocketDeadline deadline(server_);
        deadline.arm(20ms);
    }  // gone with its wait pending: the wait must not touch it
    at(60ms, [&] { net::write(client_, net::buffer("x", 1)); });
    EXPECT_FALSE(read_with().ec);
}

}  // namespace
}  // namespace infergate::server
