// A client connection's byte stream: plain TCP, or TLS over it (server.tls). Every read and
// write of the session, the proxy and the relay goes through here, with one branch to pick
// the layer: the plain path calls beast::tcp_stream directly, with nothing else in between,
// and the session, proxy and relay code (thousands of lines of coroutines) is compiled once
// instead of once per stream type. Timeouts, cancellation and closing act on the TCP layer,
// which the TLS layer reads and writes through, so they work the same for both.
#pragma once

#include <optional>

#include "infergate/net.hpp"

namespace infergate::server {

class ClientStream {
public:
    using executor_type = beast::tcp_stream::executor_type;

    explicit ClientStream(tcp::socket socket) : tcp_(std::move(socket)) {}
    ClientStream(const ClientStream&) = delete;
    ClientStream& operator=(const ClientStream&) = delete;

    // Layers TLS with `context` over the socket; the caller then runs handshake().
    void use_tls(ssl::context& context) { tls_.emplace(tcp_, context); }
    bool is_tls() const noexcept { return tls_.has_value(); }
    beast::ssl_stream<beast::tcp_stream&>& tls() noexcept { return *tls_; }

    beast::tcp_stream& tcp_layer() noexcept { return tcp_; }
    tcp::socket& socket() noexcept { return tcp_.socket(); }
    executor_type get_executor() noexcept { return tcp_.get_executor(); }
    template <class Duration>
    void expires_after(Duration timeout) { tcp_.expires_after(timeout); }
    void expires_never() { tcp_.expires_never(); }
    void close() { tcp_.close(); }

    // AsyncReadStream / AsyncWriteStream, for Asio's and Beast's composed operations.
    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
        return tcp_.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        if (tls_) return tls_->async_write_some(buffers, std::forward<Token>(token));
        return tcp_.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    beast::tcp_stream tcp_;
    // Beast's ssl_stream: gathered buffers (head + body) go out as one TLS record, not one each.
    std::optional<beast::ssl_stream<beast::tcp_stream&>> tls_;
};

}  // namespace infergate::server
