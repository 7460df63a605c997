// Notices that the client went away while the gateway waits on the upstream (before the
// first byte, between stream events, or during a non-streaming call) and cancels the upstream
// exchange at once, instead of letting a model keep generating for nobody.
#pragma once

#include <memory>

#include "infergate/net.hpp"
#include "infergate/upstream/connection.hpp"

namespace infergate::server {

class ClientWatch {
public:
    // Starts watching `client` for EOF or reset. Precondition: no read is pending on it.
    explicit ClientWatch(tcp::socket& client);
    // Stops watching (cancels the pending wait on the client socket).
    ~ClientWatch();
    ClientWatch(const ClientWatch&) = delete;
    ClientWatch& operator=(const ClientWatch&) = delete;

    // The upstream connection to close if the client leaves (null: none in use now).
    void set_upstream(upstream::Connection* connection) noexcept { state_->upstream = connection; }
    bool client_gone() const noexcept { return state_->client_gone; }

private:
    struct State {
        bool active = true;
        bool client_gone = false;
        upstream::Connection* upstream = nullptr;
    };
    void arm();

    tcp::socket& client_;
    std::shared_ptr<State> state_;
};

}  // namespace infergate::server
