// A deadline that cancels the pending operations on a socket but leaves it open, so the
// gateway can still answer "408 Request Timeout" (beast::tcp_stream's own timeout closes the
// socket, which suits silent idle closes but not a polite answer). One lives with each client
// connection and each pooled upstream connection, for as long as its socket.
//
// Lazy, as nginx's timers are: arm() and disarm() run on every read and write and only
// store the deadline. The timer keeps its pending wait; when it ends before the current
// deadline it waits again for the rest, and only a deadline earlier than the pending wait
// restarts it. Re-arming an Asio timer each time cost a heap insertion, a cancellation and a
// completion handler per arm, some 1,400 instructions a request.
#pragma once

#include <chrono>
#include <memory>

#include "infergate/net.hpp"

namespace infergate {

class SocketDeadline {
public:
    using Clock = std::chrono::steady_clock;

    explicit SocketDeadline(tcp::socket& socket);
    ~SocketDeadline();
    SocketDeadline(const SocketDeadline&) = delete;
    SocketDeadline& operator=(const SocketDeadline&) = delete;

    // Starts the clock for the operations that follow; one deadline across all of them.
    void arm(Clock::duration timeout);
    void disarm() noexcept { state_->deadline = Clock::time_point::max(); }
    // True if the deadline fired since the last arm().
    bool expired() const noexcept { return state_->expired; }
    // True if `ec` ended an operation this deadline cancelled: that operation timed out.
    bool caused(const beast::error_code& ec) const noexcept {
        return ec == net::error::operation_aborted && expired();
    }

private:
    struct State {
        Clock::time_point deadline = Clock::time_point::max();  // max: disarmed
        Clock::time_point wait_ends{};                           // of the pending wait
        bool waiting = false;
        bool expired = false;
        bool alive = true;  // false once the owner is gone: the handler must not touch it
    };
    void wait_until(Clock::time_point when);

    tcp::socket& socket_;
    net::steady_timer timer_;
    std::shared_ptr<State> state_;  // shared with the timer's handler, which may outlive us
};

}  // namespace infergate
