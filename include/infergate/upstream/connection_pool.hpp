// Keep-alive connections to one backend, for one worker (never shared across threads, so no
// locks): reuse of warm connections, a max_connections cap, FIFO waiters with a deadline,
// idle expiry, and a check that an idle connection is still silent before it is reused.
#pragma once

#include <deque>
#include <cstdint>
#include <memory>
#include <string>

#include "infergate/net.hpp"
#include "infergate/upstream/backend.hpp"
#include "infergate/upstream/connection.hpp"

namespace infergate::upstream {

// One pool's counts, for GET /admin/backends.
struct PoolStats {
    std::string backend;            // its name
    std::string pool_key;           // Backend::pool_key(): which settings the pool serves
    std::size_t idle = 0;           // kept alive, waiting for a request
    std::size_t open = 0;           // idle + leased + being dialed
    std::uint64_t opened_total = 0; // connections dialed successfully since the pool began
    std::size_t waiting = 0;        // requests waiting for a connection (at max_connections)
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
public:
    ConnectionPool(net::any_io_executor executor, BackendPtr backend);
    ~ConnectionPool();

    struct Acquired {
        std::unique_ptr<Connection> connection;  // null on failure
        bool reused = false;
        beast::error_code error;
        observability::UpstreamError kind{};
    };

    // A connection ready for one exchange: a silent idle one (unless `fresh_only`), else a new
    // one if under max_connections, else the first one released within acquire_timeout.
    net::awaitable<Acquired> acquire(bool fresh_only = false);

    // Gives a leased connection back. Only a connection whose response was read to the end,
    // with nothing left over and no "Connection: close", may be `reusable`.
    void release(std::unique_ptr<Connection> connection, bool reusable);

    // The backend left the config: idle connections are closed now, and each leased one is
    // closed when it comes back instead of waiting idle. The pool itself lives on for as long
    // as a request still holds it.
    void retire();
    bool retired() const noexcept { return retired_; }

    const Backend& backend() const noexcept { return *backend_; }
    // A reload's Backend of the same identity (Backend::pool_key): its settings, TLS context
    // and readiness flag serve the next dials; the warm connections stay (each one's SSL holds
    // its own reference to the SSL_CTX it was made with).
    void adopt(BackendPtr backend) noexcept { backend_ = std::move(backend); }
    std::size_t idle_count() const noexcept { return idle_.size(); }
    std::size_t open_count() const noexcept { return open_; }
    PoolStats stats() const;

private:
    struct Waiter;

    net::awaitable<Acquired> dial();
    std::unique_ptr<Connection> take_idle();
    void hand_to_waiter(std::unique_ptr<Connection> connection);
    void schedule_sweep();
    void sweep();

    net::any_io_executor executor_;
    BackendPtr backend_;
    std::deque<std::unique_ptr<Connection>> idle_;  // most recently used at the back
    std::deque<Waiter*> waiters_;                     // FIFO
    std::size_t open_ = 0;                            // idle + leased + connecting
    std::uint64_t opened_total_ = 0;
    net::steady_timer sweep_timer_;
    bool sweep_scheduled_ = false;
    bool retired_ = false;
};

using ConnectionPoolPtr = std::shared_ptr<ConnectionPool>;

}  // namespace infergate::upstream
