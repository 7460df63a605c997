#include "infergate/server/worker.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "infergate/common/event_loop.hpp"
#include "infergate/server/gateway.hpp"
#include "infergate/server/http_session.hpp"

namespace infergate::server {

Worker::Worker(Gateway& gateway, unsigned index, SnapshotPtr initial)
    : gateway_(gateway), index_(index), config_(std::move(initial)), acceptor_(io_), tls_acceptor_(io_),
      access_log_(gateway.access_log()) {
    client_watcher_.attach(io_.get_executor());
}

Worker::~Worker() {
    stop();
    join();
    client_watcher_.detach();  // its timer goes before io_ does
    access_log_.flush();  // the thread is gone: safe from here
}

tcp::endpoint Worker::listen(Listener listener, const tcp::endpoint& endpoint) {
    tcp::acceptor& socket = acceptor(listener);
    socket.open(endpoint.protocol());
    socket.set_option(net::socket_base::reuse_address(true));
    // Every worker binds the same port; the kernel spreads new connections between them.
    socket.set_option(net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
    socket.bind(endpoint);
    socket.listen(net::socket_base::max_listen_connections);
    return socket.local_endpoint();
}

void Worker::start() {
    for (const Listener listener : {Listener::plain, Listener::tls}) {
        if (!acceptor(listener).is_open()) continue;
        net::co_spawn(io_, accept_loop(acceptor(listener), listener), [](std::exception_ptr error) {
            if (error) spdlog::critical("accept loop ended by an exception");
        });
    }
    net::co_spawn(io_, flush_access_log_periodically(), net::detached);
    thread_ = std::thread([this] {
        run_event_loop(io_, [this](const std::exception& error) {
            // Sessions catch their own errors; this is a last line of defence.
            spdlog::error("worker {}: unexpected exception in the event loop: {}", index_, error.what());
            gateway_.metrics().session_exceptions.Increment();
        });
    });
}

void Worker::stop() {
    net::post(io_, [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
        tls_acceptor_.close(ignored);
        io_.stop();
    });
}

void Worker::stop_accepting() {
    net::post(io_, [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
        tls_acceptor_.close(ignored);
    });
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

namespace {

bool has_pool_key(const Snapshot& snapshot, std::string_view pool_key) {
    return std::any_of(snapshot.backends.begin(), snapshot.backends.end(),
                       [&](const auto& entry) { return entry.second->pool_key() == pool_key; });
}

}  // namespace

void Worker::publish(SnapshotPtr snapshot, std::shared_ptr<const observability::AccessLog> access_log) {
    net::post(io_, [this, snapshot = std::move(snapshot), access_log = std::move(access_log)]() mutable {
        config_ = std::move(snapshot);
        adopt_pools(*config_);
        if (access_log) access_log_.switch_to(std::move(access_log));
    });
}

upstream::ConnectionPoolPtr Worker::pool_for(const upstream::BackendPtr& backend) {
    const auto found = pools_.find(backend->pool_key());
    if (found != pools_.end()) return found->second;
    auto pool = std::make_shared<upstream::ConnectionPool>(io_.get_executor(), backend);
    if (has_pool_key(*config_, backend->pool_key())) {
        pools_.emplace(backend->pool_key(), pool);
    } else {
        pool->retire();
    }
    return pool;
}

void Worker::adopt_pools(const Snapshot& snapshot) {
    std::unordered_map<std::string, upstream::ConnectionPoolPtr> kept;
    for (const auto& [name, backend] : snapshot.backends) {
        const auto found = pools_.find(backend->pool_key());
        if (found == pools_.end()) continue;
        found->second->adopt(backend);
        kept.insert(*found);
    }
    for (auto& [key, pool] : pools_) {
        if (!kept.contains(key)) pool->retire();
    }
    pools_ = std::move(kept);
}

std::vector<upstream::PoolStats> Worker::pool_stats() const {
    std::vector<upstream::PoolStats> stats;
    stats.reserve(pools_.size());
    for (const auto& [key, pool] : pools_) stats.push_back(pool->stats());
    return stats;
}

std::unique_ptr<ConnectionTable::Slot> Worker::admit(std::function<void()> evict) {
    const auto& server = config_->config.server;
    const std::size_t workers = gateway_.worker_count();
    auto share = [workers](std::size_t total) { return (total + workers - 1) / workers; };
    auto admission =
        connections_.admit(share(server.max_connections), share(server.reserved_connections), std::move(evict));
    auto& metrics = gateway_.metrics();
    if (admission.evicted) metrics.connections_evicted.Increment();
    if (!admission.slot) metrics.connections_refused.Increment();
    return std::move(admission.slot);
}

// Lines reach the sink within 100 ms even when traffic is too light to fill the buffer.
net::awaitable<void> Worker::flush_access_log_periodically() {
    net::steady_timer timer(io_);
    for (;;) {
        timer.expires_after(std::chrono::milliseconds(100));
        auto [ec] = co_await timer.async_wait(use_tuple);
        if (ec) co_return;
        access_log_.flush();
    }
}

net::awaitable<void> Worker::accept_loop(tcp::acceptor& acceptor, Listener listener) {
    auto& metrics = gateway_.metrics();
    std::chrono::steady_clock::time_point last_accept_warning{};
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {
            // EMFILE and friends: the pending connection stays in the backlog and the next
            // accept fails at once, so back off instead of spinning on a full fd table. The
            // log says so once per second at most, the counter every time.
            metrics.accept_errors.Increment();
            const auto now = std::chrono::steady_clock::now();
            if (now - last_accept_warning >= std::chrono::seconds(1)) {
                last_accept_warning = now;
                spdlog::warn("worker {}: accept failed: {} (pausing the acceptor; see "
                             "infergate_accept_errors_total)", index_, ec.message());
            }
            net::steady_timer pause(io_, std::chrono::milliseconds(50));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        metrics.connections_accepted.Increment();
        // HTTPS: the current snapshot's context (a reload may have rotated the certificate);
        // the session holds it for the connection's life.
        tls::ServerContextPtr tls_context = listener == Listener::tls ? config_->tls_server : nullptr;
        if (listener == Listener::tls && !tls_context) continue;  // not reached: reloads keep server.tls
        net::co_spawn(io_, run_session(*this, std::move(socket), std::move(tls_context)), net::detached);
    }
}

}  // namespace infergate::server
