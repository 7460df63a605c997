// The running gateway: N workers serving the listen addresses (plain HTTP, HTTPS or both), the active health checks, the
// metrics and the access log. Used by main() and, in-process on 127.0.0.1:0, by the
// integration tests.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "infergate/config/snapshot.hpp"
#include "infergate/observability/access_log.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/upstream/connection_pool.hpp"
#include "infergate/server/body_memory.hpp"
#include "infergate/upstream/health_checker.hpp"

namespace infergate::server {

class Worker;
class ConfigReloader;

class Gateway {
public:
    Gateway(SnapshotPtr snapshot, observability::Metrics& metrics,
            std::shared_ptr<const observability::AccessLog> access_log);
    ~Gateway();

    // Binds (throws std::system_error if the address is unavailable) and starts the workers
    // and the health checks.
    void start();
    std::uint16_t port() const noexcept { return port_; }          // plain HTTP; 0: `listen: none`
    std::uint16_t tls_port() const noexcept { return tls_port_; }  // HTTPS; 0: no server.tls
    std::size_t worker_count() const noexcept { return worker_count_; }  // fixed by start()
    // Stops the health checks, stops accepting and stops the workers; open connections are closed.
    void stop();
    // Graceful shutdown, first step: /readyz answers 503, the listening sockets close, and each
    // connection closes after the request it is handling. stop() ends it.
    void begin_drain();
    // Requests read and not yet answered in full (streams included), over all workers.
    std::size_t requests_in_flight() const noexcept { return in_flight_.load(std::memory_order_acquire); }
    // Held by a session while it handles a request.
    class InFlight {
    public:
        explicit InFlight(Gateway& gateway) : gateway_(gateway) { gateway_.in_flight_.fetch_add(1); }
        ~InFlight() { gateway_.in_flight_.fetch_sub(1, std::memory_order_release); }
        InFlight(const InFlight&) = delete;
        InFlight& operator=(const InFlight&) = delete;

    private:
        Gateway& gateway_;
    };
    // Hands a new snapshot to every worker and to the health checks; requests in flight keep
    // the one they pinned. With `access_log`, the workers write their next lines there (a
    // reload reopens the file); null keeps the current one.
    void publish(SnapshotPtr snapshot, std::shared_ptr<const observability::AccessLog> access_log = nullptr);
    SnapshotPtr current() const;
    // What POST /admin/reload runs (main() sets it; in-process test gateways have none).
    void set_reloader(ConfigReloader* reloader) noexcept { reloader_.store(reloader); }
    ConfigReloader* reloader() const noexcept { return reloader_.load(); }

    // From a coroutine on any worker: every worker's upstream pools, each worker's read on its
    // own thread (a pool is never touched by another), gathered here. Nothing on the request
    // path waits for it.
    net::awaitable<std::vector<upstream::PoolStats>> pool_stats();
    // From a coroutine on any worker, after publish(): returns once every worker has adopted
    // the published snapshot (a revoked key is refused everywhere from then on).
    net::awaitable<void> await_adoption();
    // Held while a snapshot is derived from the current one and published (a reload, a
    // runtime key created or revoked), so that neither loses the other's change.
    std::mutex& change_mutex() noexcept { return change_mutex_; }

    observability::Metrics& metrics() noexcept { return metrics_; }
    std::shared_ptr<const observability::AccessLog> access_log() const;
    BodyMemory& body_memory() noexcept { return body_memory_; }
    bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }
    const upstream::HealthChecker& health_checker() const noexcept { return health_checker_; }

private:
    // Runs `read` on each worker's thread in turn; the caller's coroutine waits for each.
    net::awaitable<void> visit_workers(const std::function<void(Worker&)>& read);

    observability::Metrics& metrics_;
    std::shared_ptr<const observability::AccessLog> access_log_;
    mutable std::mutex mutex_;  // control thread state only; never taken by a request
    std::mutex change_mutex_;
    SnapshotPtr current_;
    std::vector<std::unique_ptr<Worker>> workers_;
    upstream::HealthChecker health_checker_;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    std::size_t worker_count_ = 1;
    std::atomic<bool> draining_{false};
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<ConfigReloader*> reloader_{nullptr};
    BodyMemory body_memory_{metrics_.buffered_body_bytes};
    bool stopped_ = false;
};

}  // namespace infergate::server
