#include "infergate/server/gateway.hpp"

#include <optional>
#include <thread>

#include "infergate/server/worker.hpp"

namespace infergate::server {

Gateway::Gateway(SnapshotPtr snapshot, observability::Metrics& metrics,
                 std::shared_ptr<const observability::AccessLog> access_log)
    : metrics_(metrics), access_log_(std::move(access_log)), current_(std::move(snapshot)), health_checker_(metrics) {}

Gateway::~Gateway() { stop(); }

void Gateway::start() {
    const auto& settings = current_->config.server;
    unsigned count = settings.workers;
    if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
    worker_count_ = count;
    std::optional<tcp::endpoint> plain, tls;
    if (settings.plain_listener) plain.emplace(net::ip::make_address(settings.listen_host), settings.listen_port);
    if (settings.tls) tls.emplace(net::ip::make_address(settings.tls->listen_host), settings.tls->listen_port);
    for (unsigned i = 0; i < count; ++i) {
        auto worker = std::make_unique<Worker>(*this, i, current_);
        // Port 0: the first worker picks a port, the others join it.
        if (plain) plain = worker->listen(Worker::Listener::plain, *plain);
        if (tls) tls = worker->listen(Worker::Listener::tls, *tls);
        workers_.push_back(std::move(worker));
    }
    if (plain) port_ = plain->port();
    if (tls) tls_port_ = tls->port();
    for (auto& worker : workers_) worker->start();
    health_checker_.start(current_);
}

void Gateway::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
    }
    draining_.store(true, std::memory_order_relaxed);
    health_checker_.stop();
    for (auto& worker : workers_) worker->stop();
    for (auto& worker : workers_) worker->join();
    workers_.clear();  // each worker flushes its access-log lines
}

void Gateway::begin_drain() {
    std::lock_guard lock(mutex_);
    if (stopped_ || draining_.exchange(true)) return;
    for (auto& worker : workers_) worker->stop_accepting();
}

void Gateway::publish(SnapshotPtr snapshot) {
    std::lock_guard lock(mutex_);
    current_ = snapshot;
    for (auto& worker : workers_) worker->publish(snapshot);
    health_checker_.publish(snapshot);
}

SnapshotPtr Gateway::current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

}  // namespace infergate::server
