#include "support/scripted_upstream.hpp"

#include <algorithm>
#include <cctype>

namespace infergate::testing {
namespace {

// The declared body length of a request head (0 without Content-Length).
std::size_t content_length(const std::string& head) {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::size_t at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) return 0;
    return std::stoul(lower.substr(at + 17));
}

}  // namespace

ScriptedUpstream::ScriptedUpstream(Script script)
    : script_(std::move(script)),
      acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
      port_(acceptor_.local_endpoint().port()) {
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
}

ScriptedUpstream::ScriptedUpstream(Reply always)
    : ScriptedUpstream([always](std::size_t) { return always; }) {}

ScriptedUpstream::~ScriptedUpstream() {
    io_.stop();
    thread_.join();
}

std::size_t ScriptedUpstream::connections() const {
    std::lock_guard lock(mutex_);
    return connections_;
}

std::vector<std::string> ScriptedUpstream::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::size_t ScriptedUpstream::laters_sent() const {
    std::lock_guard lock(mutex_);
    return laters_sent_;
}

std::string ScriptedUpstream::response(unsigned status, const std::string& content_type,
                                       const std::string& body, const std::string& extra_fields) {
    return "HTTP/1.1 " + std::to_string(status) + " " +
           std::string(http::obsolete_reason(static_cast<http::status>(status))) +
           "\r\nContent-Type: " + content_type + "\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + extra_fields + "\r\n" + body;
}

net::awaitable<void> ScriptedUpstream::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec) co_return;
        {
            std::lock_guard lock(mutex_);
            ++connections_;
        }
        net::co_spawn(io_, serve(std::move(socket)), net::detached);
    }
}

net::awaitable<void> ScriptedUpstream::serve(tcp::socket socket) {
    std::string received;
    char chunk[16384];
    for (;;) {
        // One request: the head, then as many body bytes as it declares.
        std::size_t head_end = std::string::npos;
        std::size_t wanted = 0;
        for (;;) {
            if (head_end == std::string::npos) {
                head_end = received.find("\r\n\r\n");
                if (head_end != std::string::npos) {
                    head_end += 4;
                    wanted = head_end + content_length(received.substr(0, head_end));
                }
            }
            if (head_end != std::string::npos && received.size() >= wanted) break;
            auto [ec, n] = co_await socket.async_read_some(net::buffer(chunk), use_tuple);
            if (ec) co_return;  // the gateway closed the connection
            received.append(chunk, n);
        }
        std::size_t index = 0;
        {
            std::lock_guard lock(mutex_);
            index = requests_.size();
            requests_.push_back(received.substr(0, wanted));
        }
        received.erase(0, wanted);

        const Reply reply = script_(index);
        auto [write_ec, written] = co_await net::async_write(socket, net::buffer(reply.bytes), use_tuple);
        if (write_ec) co_return;
        if (!reply.later.empty()) {
            net::steady_timer pause(socket.get_executor(), reply.later_after);
            co_await pause.async_wait(use_tuple);
            auto [later_ec, later_written] =
                co_await net::async_write(socket, net::buffer(reply.later), use_tuple);
            if (later_ec) co_return;
            std::lock_guard lock(mutex_);
            ++laters_sent_;
        }
        beast::error_code ignored;
        switch (reply.then) {
            case Then::keep_open: continue;
            case Then::reset:
                socket.set_option(net::socket_base::linger(true, 0), ignored);
                socket.close(ignored);
                co_return;
            case Then::close:
                socket.shutdown(tcp::socket::shutdown_send, ignored);
                // Drain until the gateway closes too, so our FIN is not turned into an RST.
                for (;;) {
                    auto [ec, n] = co_await socket.async_read_some(net::buffer(chunk), use_tuple);
                    if (ec) break;
                }
                co_return;
        }
    }
}

}  // namespace infergate::testing
