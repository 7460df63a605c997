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

void Gateway::publish(SnapshotPtr snapshot, std::shared_ptr<const observability::AccessLog> access_log) {
    std::lock_guard lock(mutex_);
    current_ = snapshot;
    if (access_log) access_log_ = access_log;
    for (auto& worker : workers_) worker->publish(snapshot, access_log);
    health_checker_.publish(snapshot);
}

std::shared_ptr<const observability::AccessLog> Gateway::access_log() const {
    std::lock_guard lock(mutex_);
    return access_log_;
}

net::awaitable<void> Gateway::visit_workers(const std::function<void(Worker&)>& read) {
    for (auto& worker : workers_) {  // fixed between start() and stop()
        Worker* visited = worker.get();
        // A worker's queue runs in order: this runs after whatever was posted to it before.
        co_await net::co_spawn(
            visited->executor(), [visited, &read]() -> net::awaitable<void> {
                read(*visited);
                co_return;
            },
            net::use_awaitable);
    }
}

net::awaitable<std::vector<upstream::PoolStats>> Gateway::pool_stats() {
    std::vector<upstream::PoolStats> all;
    co_await visit_workers([&all](Worker& worker) {
        std::vector<upstream::PoolStats> stats = worker.pool_stats();
        all.insert(all.end(), std::make_move_iterator(stats.begin()), std::make_move_iterator(stats.end()));
    });
    co_return all;
}

net::awaitable<void> Gateway::await_adoption() {
    co_await visit_workers([](Worker&) {});
}

SnapshotPtr Gateway::current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

}  // namespace infergate::server
