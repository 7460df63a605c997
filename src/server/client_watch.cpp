#include "infergate/server/client_watch.hpp"

#include <poll.h>

namespace infergate::server {

ClientWatch::ClientWatch(tcp::socket& client, const std::shared_ptr<ClientWatchState>& state)
    : client_(client), state_(state) {
    state->client_gone = false;
    state->upstream = nullptr;
    // A 1-byte MSG_PEEK receive rather than async_wait: a wait re-registers the socket with
    // epoll (one epoll_ctl per request), a receive reuses the registration it already has.
    // Peeked bytes stay in the socket for the next request's read.
    client.async_receive(
        net::buffer(&state->peeked, 1), net::socket_base::message_peek,
        [state, generation = state->generation, fd = client.native_handle()](beast::error_code ec, std::size_t) {
            if (state->generation != generation) return;  // that watch has ended
            if (!ec && state->tls) return poll_for_hangup(fd, state, generation);
            if (!ec || ec == net::error::operation_aborted) return;  // pipelined bytes, or stopped
            // EOF (a half-close counts: OpenAI clients never half-close, abandoning clients
            // do) or an error: the client is gone.
            state->client_gone = true;
            if (state->upstream != nullptr) state->upstream->close();
        });
}

void ClientWatch::poll_for_hangup(int fd, const std::shared_ptr<ClientWatchState>& state, std::uint64_t generation) {
    constexpr auto kInterval = std::chrono::milliseconds(100);
    state->hangup_poll.expires_after(kInterval);
    state->hangup_poll.async_wait([fd, state, generation](beast::error_code ec) {
        // The socket is open while the watch is current: the session ends it first.
        if (ec || state->generation != generation) return;
        pollfd hangup{fd, POLLRDHUP, 0};
        if (::poll(&hangup, 1, 0) == 1 && (hangup.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
            state->client_gone = true;
            if (state->upstream != nullptr) state->upstream->close();
            return;
        }
        poll_for_hangup(fd, state, generation);
    });
}

ClientWatch::~ClientWatch() {
    ++state_->generation;
    state_->upstream = nullptr;
    if (state_->tls) state_->hangup_poll.cancel();  // plain connections never arm it
    beast::error_code ignored;
    client_.cancel(ignored);  // only the watch is pending on the client socket now
}

}  // namespace infergate::server
