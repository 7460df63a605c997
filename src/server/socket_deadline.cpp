#include "infergate/server/socket_deadline.hpp"

namespace infergate::server {

SocketDeadline::SocketDeadline(tcp::socket& socket)
    : socket_(socket), timer_(socket.get_executor()), state_(std::make_shared<State>()) {}

SocketDeadline::~SocketDeadline() { state_->armed = false; }

void SocketDeadline::arm(std::chrono::steady_clock::duration timeout) {
    state_->armed = true;
    state_->expired = false;
    timer_.expires_after(timeout);
    timer_.async_wait([this, state = state_](beast::error_code ec) {
        // `armed` is false once disarmed or destroyed: then `this` must not be touched.
        if (ec || !state->armed) return;
        state->expired = true;
        beast::error_code ignored;
        socket_.cancel(ignored);
    });
}

void SocketDeadline::disarm() {
    state_->armed = false;
    timer_.cancel();
}

}  // namespace infergate::server
