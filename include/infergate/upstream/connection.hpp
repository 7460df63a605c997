// One connection to a backend, plain or TLS, owned by a pool between requests and by one
// request while leased. Never shared between threads: it lives on its worker's io_context.
#pragma once

#include <chrono>
#include <optional>
#include <variant>

#include "infergate/common/socket_deadline.hpp"
#include "infergate/net.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/upstream/backend.hpp"

namespace infergate::upstream {

class Connection {
public:
    static constexpr std::size_t kReadBufferBytes = 16 * 1024;

    // Bare sockets, not beast::tcp_stream: deadline() does the timing, once per connection
    // instead of a timer per operation.
    using Plain = tcp::socket;
    using Tls = beast::ssl_stream<tcp::socket>;

    Connection(const net::any_io_executor& executor, const Backend& backend);

    // Both kinds expose the socket for deadlines and closing.
    tcp::socket& socket() noexcept;
    // Calls `f(stream)` with the concrete stream type; the data path is written once as a
    // template over it.
    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), stream_);
    }

    // True if the peer has said nothing since the last response: an idle pooled connection
    // that became readable (EOF, reset, or unsolicited bytes) cannot carry another request.
    bool silent() noexcept;
    void close() noexcept;

    beast::flat_buffer buffer;  // read buffer; a reusable connection leaves it empty
    std::chrono::steady_clock::time_point idle_since{};

    // The exchange's deadline on this socket, moved on before each write and read. Kept with
    // the connection, so a request on a pooled one sets up no timer of its own; the pool gets
    // it back disarmed.
    SocketDeadline& deadline() noexcept { return deadline_; }

private:
    std::variant<Plain, Tls> stream_;
    SocketDeadline deadline_{socket()};  // after the stream whose socket it cancels
};

// Writes what a plain connection's socket takes at once, in one system call, without waiting
// (connect() puts it in non-blocking mode): a request usually fits the send buffer, and then
// no operation is queued for the event loop. Returns the bytes written; `ec` is would_block
// when the socket took none. TLS always says would_block: a record that a non-blocking write
// left half-sent could not be finished by the asynchronous one.
template <class Buffers>
std::size_t write_now(Connection::Plain& socket, const Buffers& buffers, beast::error_code& ec) {
    return socket.write_some(buffers, ec);
}
template <class Buffers>
std::size_t write_now(Connection::Tls&, const Buffers&, beast::error_code& ec) {
    ec = net::error::would_block;
    return 0;
}

struct ConnectResult {
    beast::error_code error;
    observability::UpstreamError kind{};  // meaningful iff error
};

// Resolves, connects (TCP_NODELAY) and, for https, handshakes with SNI and verification of
// the certificate against the backend's host name, all within `timeout` (unset: the backend's
// connect timeout; running out is beast::error::timeout, kind connect_timeout). Name
// resolution itself is bounded by the system resolver only.
net::awaitable<ConnectResult> connect(Connection& connection, const Backend& backend,
                                      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

}  // namespace infergate::upstream
