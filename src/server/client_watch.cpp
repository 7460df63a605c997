#include "infergate/server/client_watch.hpp"

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
        [state, generation = state->generation](beast::error_code ec, std::size_t) {
            if (state->generation != generation) return;  // that watch has ended
            if (!ec || ec == net::error::operation_aborted) return;  // pipelined bytes, or stopped
            // EOF (a half-close counts: OpenAI clients never half-close, abandoning clients
            // do) or an error: the client is gone.
            state->client_gone = true;
            if (state->upstream != nullptr) state->upstream->close();
        });
}

ClientWatch::~ClientWatch() {
    ++state_->generation;
    state_->upstream = nullptr;
    beast::error_code ignored;
    client_.cancel(ignored);  // only the watch is pending on the client socket now
}

}  // namespace infergate::server
