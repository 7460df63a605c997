#include "infergate/upstream/connection_pool.hpp"

#include <algorithm>

namespace infergate::upstream {

using observability::UpstreamError;
using Clock = std::chrono::steady_clock;

// A request waiting for a connection. Lives in the waiting coroutine's frame; removes itself
// from the queue if that frame goes away first (timeout or shutdown).
struct ConnectionPool::Waiter {
    Waiter(ConnectionPool& pool, const net::any_io_executor& executor)
        : pool(pool), timer(executor) {}
    ~Waiter() {
        auto& queue = pool.waiters_;
        queue.erase(std::remove(queue.begin(), queue.end(), this), queue.end());
    }
    ConnectionPool& pool;
    net::steady_timer timer;
    std::unique_ptr<Connection> handed;  // a released keep-alive connection
    bool slot = false;                   // or the right to dial a new one
};

ConnectionPool::ConnectionPool(net::any_io_executor executor, BackendPtr backend)
    : executor_(std::move(executor)), backend_(std::move(backend)), sweep_timer_(executor_) {}

ConnectionPool::~ConnectionPool() {
    backend_->metrics().idle.Decrement(static_cast<double>(idle_.size()));
    for (auto& connection : idle_) connection->close();
}

PoolStats ConnectionPool::stats() const {
    return {backend_->name(), backend_->pool_key(), idle_.size(), open_, opened_total_, waiters_.size()};
}

std::unique_ptr<Connection> ConnectionPool::take_idle() {
    const auto now = Clock::now();
    const auto max_idle = backend_->settings().pool.idle_timeout;
    while (!idle_.empty()) {
        std::unique_ptr<Connection> connection = std::move(idle_.back());
        idle_.pop_back();
        backend_->metrics().idle.Decrement();
        // The peek is a system call per reuse, and it is what keeps bytes a backend sent on an
        // idle connection (a late 408, garbage after a response) from becoming the next answer.
        if (now - connection->idle_since < max_idle && connection->silent()) {
            backend_->metrics().busy.Increment();
            return connection;
        }
        connection->close();
        --open_;
    }
    return nullptr;
}

net::awaitable<ConnectionPool::Acquired> ConnectionPool::acquire(bool fresh_only) {
    auto self = shared_from_this();  // outlive a reload that drops the pool mid-acquire
    if (!fresh_only) {
        if (auto connection = take_idle()) co_return Acquired{std::move(connection), true, {}, {}};
    }
    if (open_ < backend_->settings().pool.max_connections) {
        ++open_;
        co_return co_await dial();
    }
    Waiter waiter(*this, executor_);
    waiter.timer.expires_after(backend_->settings().pool.acquire_timeout);
    waiters_.push_back(&waiter);
    co_await waiter.timer.async_wait(use_tuple);
    // Check what was handed over, not the timer's result: a hand-over can race the deadline.
    if (waiter.handed) co_return Acquired{std::move(waiter.handed), true, {}, {}};
    if (waiter.slot) {
        Acquired dialed = co_await dial();
        co_return dialed;
    }
    backend_->metrics().count(UpstreamError::pool_timeout);
    co_return Acquired{nullptr, false, beast::error::timeout, UpstreamError::pool_timeout};
}

// Precondition: a slot in open_ is already reserved for this connection.
net::awaitable<ConnectionPool::Acquired> ConnectionPool::dial() {
    auto& metrics = backend_->metrics();
    auto connection = std::make_unique<Connection>(executor_, *backend_);
    metrics.connecting.Increment();
    ConnectResult result = co_await connect(*connection, *backend_);
    metrics.connecting.Decrement();
    backend_->set_reachable(!result.error);
    if (result.error) {
        metrics.count(result.kind);
        --open_;
        if (!waiters_.empty()) hand_to_waiter(nullptr);  // let the next waiter try its luck
        co_return Acquired{nullptr, false, result.error, result.kind};
    }
    metrics.busy.Increment();
    ++opened_total_;
    co_return Acquired{std::move(connection), false, {}, {}};
}

void ConnectionPool::hand_to_waiter(std::unique_ptr<Connection> connection) {
    Waiter* waiter = waiters_.front();
    waiters_.pop_front();
    if (connection) {
        waiter->handed = std::move(connection);
    } else {
        waiter->slot = true;
        ++open_;  // reserved for the waiter's dial
    }
    waiter->timer.cancel();
}

void ConnectionPool::release(std::unique_ptr<Connection> connection, bool reusable) {
    auto& metrics = backend_->metrics();
    metrics.busy.Decrement();
    reusable = reusable && !retired_ && connection->buffer.size() == 0 && connection->socket().is_open();
    if (!reusable) {
        connection->close();
        --open_;
        if (!waiters_.empty()) hand_to_waiter(nullptr);
        return;
    }
    if (!waiters_.empty()) {
        metrics.busy.Increment();  // leased again at once
        hand_to_waiter(std::move(connection));
        return;
    }
    connection->idle_since = Clock::now();
    idle_.push_back(std::move(connection));
    metrics.idle.Increment();
    schedule_sweep();
}

void ConnectionPool::retire() {
    retired_ = true;
    backend_->metrics().idle.Decrement(static_cast<double>(idle_.size()));
    open_ -= idle_.size();
    for (auto& connection : idle_) connection->close();
    idle_.clear();
    sweep_timer_.cancel();
}

void ConnectionPool::schedule_sweep() {
    if (sweep_scheduled_) return;
    sweep_scheduled_ = true;
    const auto period = std::max<Clock::duration>(backend_->settings().pool.idle_timeout / 2,
                                                  std::chrono::milliseconds(250));
    sweep_timer_.expires_after(period);
    sweep_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (ec) return;
        if (auto pool = weak.lock()) {
            pool->sweep_scheduled_ = false;
            pool->sweep();
        }
    });
}

// Closes idle connections that expired or that the backend closed, so their fds go back
// without waiting for the next request to trip over them.
void ConnectionPool::sweep() {
    const auto now = Clock::now();
    const auto max_idle = backend_->settings().pool.idle_timeout;
    const auto before = idle_.size();
    std::erase_if(idle_, [&](std::unique_ptr<Connection>& connection) {
        if (now - connection->idle_since < max_idle && connection->silent()) return false;
        connection->close();
        return true;
    });
    const auto closed = before - idle_.size();
    open_ -= closed;
    backend_->metrics().idle.Decrement(static_cast<double>(closed));
    if (!idle_.empty()) schedule_sweep();
}

}  // namespace infergate::upstream
