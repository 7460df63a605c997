// Notices that the client went away while the gateway waits on the upstream (before the
// first byte, between stream events, or during a non-streaming call) and cancels the upstream
// exchange at once, instead of letting a model keep generating for nobody.
#pragma once

#include <cstdint>
#include <memory>

#include "infergate/net.hpp"
#include "infergate/upstream/connection.hpp"

namespace infergate::server {

// What a watch shares with its pending receive. One per client connection, reused by every
// request on it: the receive's handler may outlive the watch (and the session), so it holds
// this, and a generation number tells it whether the watch it belonged to is still current.
struct ClientWatchState {
    explicit ClientWatchState(const net::any_io_executor& executor) : hangup_poll(executor) {}
    std::uint64_t generation = 0;
    bool client_gone = false;
    upstream::Connection* upstream = nullptr;
    char peeked = 0;
    // TLS: bytes that arrive while the client waits are most likely its close_notify (an
    // encrypted record in TLS 1.3, nothing to tell it from data), followed by its FIN, which a
    // peek cannot see behind them: the socket is then polled for the FIN (POLLRDHUP).
    bool tls = false;
    net::steady_timer hangup_poll;
};

class ClientWatch {
public:
    // Starts watching `client` for EOF or reset. Precondition: no read is pending on it.
    ClientWatch(tcp::socket& client, const std::shared_ptr<ClientWatchState>& state);
    // Stops watching (cancels the pending receive on the client socket).
    ~ClientWatch();
    ClientWatch(const ClientWatch&) = delete;
    ClientWatch& operator=(const ClientWatch&) = delete;

    // The upstream connection to close if the client leaves (null: none in use now).
    void set_upstream(upstream::Connection* connection) noexcept { state_->upstream = connection; }
    bool client_gone() const noexcept { return state_->client_gone; }

private:
    static void poll_for_hangup(int fd, const std::shared_ptr<ClientWatchState>& state, std::uint64_t generation);

    tcp::socket& client_;
    const std::shared_ptr<ClientWatchState>& state_;
};

}  // namespace infergate::server
