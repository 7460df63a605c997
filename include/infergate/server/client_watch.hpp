// Notices that a client went away while the gateway waits on its upstream (before the first
// byte, between stream events, or during a non-streaming call) and cancels the upstream
// exchange, instead of letting a model keep generating for nobody.
//
// One ClientWatcher per worker. A request waiting on an upstream registers its client socket
// (a ClientWatch); every 50 ms, while any is registered, one poll(2) over all of them looks for
// a FIN or a reset. A request pays for a vector insert and erase, not for a system call and a
// cancelled receive of its own: most requests end before the first poll. poll's POLLRDHUP also
// sees a FIN behind unread bytes (a TLS close_notify, a pipelined request), which a peek at the
// first byte cannot, so plain and TLS clients are watched alike.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "infergate/net.hpp"
#include "infergate/upstream/connection.hpp"

namespace infergate::server {

class ClientWatcher;

// Watches one client socket for as long as it lives. Neither copied nor moved: the watcher
// holds its address.
class ClientWatch {
public:
    ClientWatch(ClientWatcher& watcher, int client_fd);
    ~ClientWatch();
    ClientWatch(const ClientWatch&) = delete;
    ClientWatch& operator=(const ClientWatch&) = delete;

    // The upstream connection to close if the client leaves (null: none in use now).
    void set_upstream(upstream::Connection* connection) noexcept { upstream_ = connection; }
    bool client_gone() const noexcept { return gone_; }

private:
    friend class ClientWatcher;
    void notice_gone() noexcept;

    ClientWatcher& watcher_;
    int fd_;
    std::size_t index_ = 0;  // in watcher_.watches_
    bool gone_ = false;
    upstream::Connection* upstream_ = nullptr;
};

class ClientWatcher {
public:
    static constexpr std::chrono::milliseconds kInterval{50};

    ClientWatcher() = default;
    ClientWatcher(const ClientWatcher&) = delete;
    ClientWatcher& operator=(const ClientWatcher&) = delete;

    // The watcher outlives its event loop: the loop's coroutine frames, destroyed with it,
    // hold watches that unregister then. Its timer must not outlive the loop: attach() makes
    // it on the loop's executor, detach() (before the loop is destroyed) ends it.
    void attach(const net::any_io_executor& executor) { timer_.emplace(executor); }
    void detach() noexcept { timer_.reset(); }

    std::size_t watching() const noexcept { return watches_.size(); }
    // One poll over every watched socket now (the timer's job; tests call it directly).
    void poll_now();

private:
    friend class ClientWatch;
    void add(ClientWatch& watch);
    void remove(ClientWatch& watch) noexcept;
    // Polls every interval while anything is watched; an idle worker has no timer pending.
    void schedule();

    std::vector<ClientWatch*> watches_;
    std::vector<pollfd> fds_;  // reused by every poll
    std::optional<net::steady_timer> timer_;
    bool ticking_ = false;
};

}  // namespace infergate::server
