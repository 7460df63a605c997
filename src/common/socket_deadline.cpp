#include "infergate/common/socket_deadline.hpp"

namespace infergate {

SocketDeadline::SocketDeadline(tcp::socket& socket)
    : socket_(socket), timer_(socket.get_executor()), state_(std::make_shared<State>()) {}

SocketDeadline::~SocketDeadline() { state_->alive = false; }

void SocketDeadline::arm(Clock::duration timeout) {
    State& state = *state_;
    state.expired = false;
    state.deadline = Clock::now() + timeout;
    // A pending wait that ends by the new deadline is kept: it waits again for the rest.
    if (!state.waiting || state.wait_ends > state.deadline) wait_until(state.deadline);
}

void SocketDeadline::wait_until(Clock::time_point when) {
    state_->wait_ends = when;
    state_->waiting = true;
    timer_.expires_at(when);  // a pending wait ends with operation_aborted
    timer_.async_wait([this, state = state_](beast::error_code ec) {
        // Aborted: a newer wait took over (and owns `waiting`), or the owner is gone.
        if (ec) return;
        state->waiting = false;
        if (!state->alive || state->deadline == Clock::time_point::max()) return;
        if (Clock::now() < state->deadline) {  // armed again since this wait began
            wait_until(state->deadline);
            return;
        }
        state->expired = true;
        state->deadline = Clock::time_point::max();
        beast::error_code ignored;
        socket_.cancel(ignored);
    });
}

}  // namespace infergate
