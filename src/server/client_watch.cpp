#include "infergate/server/client_watch.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace infergate::server {

ClientWatch::ClientWatch(tcp::socket& client)
    : client_(client), state_(std::make_shared<State>()) {
    arm();
}

ClientWatch::~ClientWatch() {
    state_->active = false;
    state_->upstream = nullptr;
    beast::error_code ignored;
    client_.cancel(ignored);  // only the watch is pending on the client socket now
}

void ClientWatch::arm() {
    // The handler holds the state, not `this`: it may run after the watch is gone.
    client_.async_wait(tcp::socket::wait_read, [this, state = state_](beast::error_code ec) {
        if (ec || !state->active) return;
        char byte;
        const ssize_t n = ::recv(client_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0) return;  // the client pipelined its next request: it is still there
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            arm();  // spurious wake-up
            return;
        }
        // EOF (a half-close counts: OpenAI clients never half-close, abandoning clients do)
        // or an error: the client is gone.
        state->client_gone = true;
        if (state->upstream != nullptr) state->upstream->close();
    });
}

}  // namespace infergate::server
