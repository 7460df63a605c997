// The worker's client watcher on real loopback sockets: a client that closes or resets is
// noticed, one that only sends more bytes is not; watches come and go in any order; the timer
// polls while something is watched and stops when nothing is.
#include "infergate/server/client_watch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace infergate::server {
namespace {

using namespace std::chrono_literals;

class ClientWatchTest : public ::testing::Test {
protected:
    // A connected pair: [i].first is the client's end, [i].second the gateway's.
    std::pair<tcp::socket, tcp::socket>& connect() {
        tcp::acceptor acceptor(io_, {net::ip::make_address("127.0.0.1"), 0});
        tcp::socket client(io_);
        client.connect(acceptor.local_endpoint());
        tcp::socket server(io_);
        acceptor.accept(server);
        pairs_.push_back(std::make_unique<std::pair<tcp::socket, tcp::socket>>(std::move(client), std::move(server)));
        return *pairs_.back();
    }

    // Polls until `watch` sees its client gone, or a second passes.
    bool noticed(const ClientWatch& watch) {
        for (int i = 0; i < 100 && !watch.client_gone(); ++i) {
            watcher_.poll_now();
            if (!watch.client_gone()) std::this_thread::sleep_for(10ms);
        }
        return watch.client_gone();
    }

    static void reset(tcp::socket& socket) {
        socket.set_option(net::socket_base::linger(true, 0));  // close sends an RST
        socket.close();
    }

    void SetUp() override { watcher_.attach(io_.get_executor()); }
    void TearDown() override { watcher_.detach(); }

    ClientWatcher watcher_;  // outlives io_, as in a worker
    net::io_context io_;
    std::vector<std::unique_ptr<std::pair<tcp::socket, tcp::socket>>> pairs_;
};

TEST_F(ClientWatchTest, AClientThatClosesOrResetsIsNoticedOneThatSendsMoreIsNot) {
    auto& closing = connect();
    auto& resetting = connect();
    auto& pipelining = connect();
    auto& half_closing = connect();
    ClientWatch closed_watch(watcher_, closing.second.native_handle());
    ClientWatch reset_watch(watcher_, resetting.second.native_handle());
    ClientWatch pipelined_watch(watcher_, pipelining.second.native_handle());
    ClientWatch half_closed_watch(watcher_, half_closing.second.native_handle());
    EXPECT_EQ(watcher_.watching(), 4u);

    watcher_.poll_now();
    EXPECT_FALSE(closed_watch.client_gone());
    EXPECT_FALSE(pipelined_watch.client_gone());

    net::write(pipelining.first, net::buffer(std::string_view("POST /v1/chat/completions HTTP/1.1\r\n")));
    closing.first.close();
    reset(resetting.first);
    half_closing.first.shutdown(tcp::socket::shutdown_send);

    EXPECT_TRUE(noticed(closed_watch));
    EXPECT_TRUE(noticed(reset_watch));
    EXPECT_TRUE(noticed(half_closed_watch));  // OpenAI clients never half-close
    watcher_.poll_now();
    EXPECT_FALSE(pipelined_watch.client_gone());
    // The pipelined bytes are still there for the next request's read.
    EXPECT_EQ(pipelining.second.available(), 36u);
}

TEST_F(ClientWatchTest, WatchesEndInAnyOrderAndTheRestStayWatched) {
    auto& a = connect();
    auto& b = connect();
    auto& c = connect();
    auto first = std::make_unique<ClientWatch>(watcher_, a.second.native_handle());
    auto middle = std::make_unique<ClientWatch>(watcher_, b.second.native_handle());
    auto last = std::make_unique<ClientWatch>(watcher_, c.second.native_handle());

    middle.reset();  // the last one takes its place
    EXPECT_EQ(watcher_.watching(), 2u);
    c.first.close();
    EXPECT_TRUE(noticed(*last));
    EXPECT_FALSE(first->client_gone());

    first.reset();
    EXPECT_EQ(watcher_.watching(), 1u);
    last.reset();
    EXPECT_EQ(watcher_.watching(), 0u);
    watcher_.poll_now();  // nothing watched: nothing to do
}

TEST_F(ClientWatchTest, TheTimerPollsWhileWatchingAndStopsWhenNothingIs) {
    auto& pair = connect();
    {
        ClientWatch watch(watcher_, pair.second.native_handle());
        pair.first.close();
        // Nobody calls poll_now: the watcher's own timer notices.
        for (int i = 0; i < 100 && !watch.client_gone(); ++i) io_.run_for(10ms);
        EXPECT_TRUE(watch.client_gone());
    }
    // Nothing is watched: the timer is not re-armed, and the loop runs out of work.
    io_.restart();
    io_.run_for(5s);
    EXPECT_TRUE(io_.stopped());

    // A new watch starts it again.
    auto& again = connect();
    ClientWatch watch(watcher_, again.second.native_handle());
    again.first.close();
    io_.restart();
    for (int i = 0; i < 100 && !watch.client_gone(); ++i) io_.run_for(10ms);
    EXPECT_TRUE(watch.client_gone());
}

// A worker that stops with requests in flight destroys their coroutine frames with its loop,
// after its watcher's timer is gone: their watches still unregister cleanly.
TEST_F(ClientWatchTest, WatchesInFramesDestroyedWithTheLoopUnregister) {
    auto& pair = connect();
    const int fd = pair.second.native_handle();
    ClientWatcher watcher;
    {
        net::io_context loop;
        watcher.attach(loop.get_executor());
        net::co_spawn(loop, [&watcher, fd]() -> net::awaitable<void> {
            ClientWatch watch(watcher, fd);
            net::steady_timer forever(co_await net::this_coro::executor, std::chrono::hours(1));
            co_await forever.async_wait(net::use_awaitable);
        }, net::detached);
        loop.run_for(20ms);
        EXPECT_EQ(watcher.watching(), 1u);
        watcher.detach();
    }  // the loop destroys the frame, and the watch with it
    EXPECT_EQ(watcher.watching(), 0u);
}

}  // namespace
}  // namespace infergate::server
