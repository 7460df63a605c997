// The running gateway: N workers serving the listen addresses (plain HTTP, HTTPS or both), the active health checks, the
// metrics and the access log. Used by main() and, in-process on 127.0.0.1:0, by the
// integration tests.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "infergate/config/snapshot.hpp"
#include "infergate/observability/access_log.hpp"
#include "infergate/observability/metrics.hpp"
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
    // the one they pinned.
    void publish(SnapshotPtr snapshot);
    SnapshotPtr current() const;
    // What POST /admin/reload runs (main() sets it; in-process test gateways have none).
    void set_reloader(ConfigReloader* reloader) noexcept { reloader_.store(reloader); }
    ConfigReloader* reloader() const noexcept { return reloader_.load(); }

    observability::Metrics& metrics() noexcept { return metrics_; }
    const observability::AccessLog& access_log() const noexcept { return *access_log_; }
    bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }
    const upstream::HealthChecker& health_checker() const noexcept { return health_checker_; }

private:
    observability::Metrics& metrics_;
    std::shared_ptr<const observability::AccessLog> access_log_;
    mutable std::mutex mutex_;  // control thread state only; never taken by a request
    SnapshotPtr current_;
    std::vector<std::unique_ptr<Worker>> workers_;
    upstream::HealthChecker health_checker_;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    std::size_t worker_count_ = 1;
    std::atomic<bool> draining_{false};
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<ConfigReloader*> reloader_{nullptr};
    bool stopped_ = false;
};

}  // namespace infergate::server
