// One event-loop thread: its own io_context, its own SO_REUSEPORT acceptor, its own upstream
// pools and its own pointer to the current config snapshot. Nothing on the request path is
// shared with other workers except immutable snapshots and atomic metrics.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "infergate/config/snapshot.hpp"
#include "infergate/net.hpp"
#include "infergate/observability/access_log.hpp"
#include "infergate/server/client_watch.hpp"
#include "infergate/server/connection_table.hpp"
#include "infergate/upstream/connection_pool.hpp"

namespace infergate::server {

class Gateway;

class Worker {
public:
    Worker(Gateway& gateway, unsigned index, SnapshotPtr initial);
    ~Worker();

    // Control thread, before start(): opens the plain or the HTTPS acceptor (SO_REUSEPORT) on
    // `endpoint`; returns the address bound (port 0: the kernel's pick).
    enum class Listener { plain, tls };
    tcp::endpoint listen(Listener listener, const tcp::endpoint& endpoint);
    void start();        // spawns the thread
    void stop();         // stops the loop (connections are closed when the worker is destroyed)
    void stop_accepting();  // any thread: closes the listening socket; connections go on
    void join();

    // Worker thread only.
    const SnapshotPtr& config() const noexcept { return config_; }
    // The pool for `backend`, kept across reloads while the backend keeps its pool_key. A
    // backend the current config no longer has (a request from before a reload) gets a
    // retired pool of its own: its connection is closed after the exchange.
    upstream::ConnectionPoolPtr pool_for(const upstream::BackendPtr& backend);
    std::vector<upstream::PoolStats> pool_stats() const;
    net::any_io_executor executor() { return io_.get_executor(); }
    Gateway& gateway() noexcept { return gateway_; }
    observability::AccessLogBuffer& access_log() noexcept { return access_log_; }
    // Watches the clients of requests waiting on an upstream (client_watch.hpp).
    ClientWatcher& client_watcher() noexcept { return client_watcher_; }
    // A new client connection's place under this worker's share of the connection limit
    // (null: refused); `evict` closes it if a later connection needs the place.
    std::unique_ptr<ConnectionTable::Slot> admit(std::function<void()> evict);

    // Any thread: the worker adopts the snapshot (and the access log, unless null) on its own
    // thread.
    void publish(SnapshotPtr snapshot, std::shared_ptr<const observability::AccessLog> access_log);

private:
    net::awaitable<void> accept_loop(tcp::acceptor& acceptor, Listener listener);
    tcp::acceptor& acceptor(Listener listener) { return listener == Listener::tls ? tls_acceptor_ : acceptor_; }
    // A new snapshot's backends take over the pools of the same identity (warm connections
    // kept, new settings used); pools of backends that are gone are retired (idle connections
    // closed at once) and forgotten; requests still using one keep it alive.
    void adopt_pools(const Snapshot& snapshot);
    net::awaitable<void> flush_access_log_periodically();

    ConnectionTable connections_;  // before io_: sessions, destroyed with io_, leave it
    ClientWatcher client_watcher_;  // before io_, like connections_ (attached to io_ meanwhile)
    // One thread runs it, and every socket of this worker (clients, upstream pools, acceptors)
    // is only touched from that thread: other threads reach it through post(). So the per-socket
    // reactor mutex, locked several times per request, is turned off; posting stays thread-safe.
    net::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    Gateway& gateway_;
    unsigned index_;
    SnapshotPtr config_;
    tcp::acceptor acceptor_;      // plain HTTP (server.listen)
    tcp::acceptor tls_acceptor_;  // HTTPS (server.tls.listen)
    std::unordered_map<std::string, upstream::ConnectionPoolPtr> pools_;  // by Backend::pool_key
    observability::AccessLogBuffer access_log_;
    std::thread thread_;
};

}  // namespace infergate::server
