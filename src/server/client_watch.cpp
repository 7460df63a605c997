#include "infergate/server/client_watch.hpp"

namespace infergate::server {

ClientWatch::ClientWatch(ClientWatcher& watcher, int client_fd) : watcher_(watcher), fd_(client_fd) {
    watcher_.add(*this);
}

ClientWatch::~ClientWatch() { watcher_.remove(*this); }

void ClientWatch::notice_gone() noexcept {
    if (gone_) return;
    gone_ = true;
    // Closing only cancels the upstream's pending operations: their handlers run later, on
    // this thread, so nothing is resumed (or unregistered) under the watcher's poll loop.
    if (upstream_ != nullptr) upstream_->close();
}

void ClientWatcher::add(ClientWatch& watch) {
    watch.index_ = watches_.size();
    watches_.push_back(&watch);
    if (!ticking_) schedule();
}

void ClientWatcher::remove(ClientWatch& watch) noexcept {
    ClientWatch* last = watches_.back();
    watches_[watch.index_] = last;
    last->index_ = watch.index_;
    watches_.pop_back();
}

void ClientWatcher::schedule() {
    if (!timer_) return;  // detached: the loop is ending
    ticking_ = true;
    timer_->expires_after(kInterval);
    timer_->async_wait([this](const beast::error_code& ec) {
        if (ec) return;  // detached: `this` may be gone
        poll_now();
        if (watches_.empty()) {
            ticking_ = false;
            return;
        }
        schedule();
    });
}

void ClientWatcher::poll_now() {
    if (watches_.empty()) return;
    fds_.resize(watches_.size());
    for (std::size_t i = 0; i < watches_.size(); ++i) fds_[i] = pollfd{watches_[i]->fd_, POLLRDHUP, 0};
    if (::poll(fds_.data(), fds_.size(), 0) <= 0) return;
    // A half-close counts as leaving: OpenAI clients never half-close, abandoning ones do.
    // Readable bytes alone (a pipelined request) do not.
    for (std::size_t i = 0; i < fds_.size(); ++i) {
        if ((fds_[i].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) watches_[i]->notice_gone();
    }
}

}  // namespace infergate::server
