// A deadline that cancels the pending operations on a socket but leaves it open, so the
// gateway can still answer "408 Request Timeout" (beast::tcp_stream's own timeout closes the
// socket, which suits silent idle closes but not a polite answer).
#pragma once

#include <memory>

#include "infergate/net.hpp"

namespace infergate::server {

class SocketDeadline {
public:
    explicit SocketDeadline(tcp::socket& socket);
    ~SocketDeadline();
    SocketDeadline(const SocketDeadline&) = delete;
    SocketDeadline& operator=(const SocketDeadline&) = delete;

    // Starts the clock for the operations that follow; one deadline across all of them.
    void arm(std::chrono::steady_clock::duration timeout);
    void disarm();
    // True if the deadline fired since the last arm().
    bool expired() const noexcept { return state_->expired; }

private:
    struct State {
        bool armed = false;
        bool expired = false;
    };
    tcp::socket& socket_;
    net::steady_timer timer_;
    std::shared_ptr<State> state_;  // shared with the timer's handler, which may outlive us
};

}  // namespace infergate::server
