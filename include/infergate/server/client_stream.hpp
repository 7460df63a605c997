// A client connection's byte stream: plain TCP, or TLS over it (server.tls). Every read and
// write of the session, the proxy and the relay goes through here, with one branch to pick
// the layer: the plain path calls the socket directly, with nothing else in between, and the
// session, proxy and relay code (thousands of lines of coroutines) is compiled once instead
// of once per stream type. Timeouts (ClientConnection::deadline), cancellation and closing
// act on the socket, which the TLS layer reads and writes through, so they work the same for
// both. A bare socket, not beast::tcp_stream: its per-operation timer and work guards cost
// every read and write, and the connection's one lazy deadline does that job.
#pragma once

#include <optional>

#include "infergate/net.hpp"

namespace infergate::server {

class ClientStream {
public:
    using executor_type = tcp::socket::executor_type;

    explicit ClientStream(tcp::socket socket) : socket_(std::move(socket)) {
        beast::error_code ignored;  // for write_now(); the async operations do not care
        socket_.non_blocking(true, ignored);
    }
    ClientStream(const ClientStream&) = delete;
    ClientStream& operator=(const ClientStream&) = delete;

    // Layers TLS with `context` over the socket; the caller then runs handshake().
    void use_tls(ssl::context& context) { tls_.emplace(socket_, context); }
    bool is_tls() const noexcept { return tls_.has_value(); }
    beast::ssl_stream<tcp::socket&>& tls() noexcept { return *tls_; }

    tcp::socket& socket() noexcept { return socket_; }
    executor_type get_executor() noexcept { return socket_.get_executor(); }
    void close() noexcept {
        beast::error_code ignored;
        socket_.close(ignored);
    }

    // AsyncReadStream / AsyncWriteStream, for Asio's and Beast's composed operations.
    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
        return socket_.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        if (tls_) return tls_->async_write_some(buffers, std::forward<Token>(token));
        return socket_.async_write_some(buffers, std::forward<Token>(token));
    }

    // Writes what the socket takes at once, in one system call, without waiting: most
    // responses fit the send buffer, and then the coroutine goes on with no operation queued
    // for the event loop to complete and resume. Returns the bytes written; `ec` is
    // would_block when the socket took none. TLS always says would_block: a record that a
    // non-blocking write left half-sent could not be finished by the asynchronous one.
    template <class Buffers>
    std::size_t write_now(const Buffers& buffers, beast::error_code& ec) {
        if (tls_) {
            ec = net::error::would_block;
            return 0;
        }
        return socket_.write_some(buffers, ec);
    }

private:
    tcp::socket socket_;
    // Beast's ssl_stream: gathered buffers (head + body) go out as one TLS record, not one each.
    std::optional<beast::ssl_stream<tcp::socket&>> tls_;
};

}  // namespace infergate::server
