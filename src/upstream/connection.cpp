#include "infergate/upstream/connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <openssl/ssl.h>

namespace infergate::upstream {
namespace {

using observability::UpstreamError;

tcp::socket& socket_of(Connection::Plain& s) { return s; }
tcp::socket& socket_of(Connection::Tls& s) { return s.next_layer(); }

}  // namespace

Connection::Connection(const net::any_io_executor& executor, const Backend& backend)
    : stream_(backend.tls_context() != nullptr
                  ? std::variant<Plain, Tls>(std::in_place_type<Tls>, executor, *backend.tls_context())
                  : std::variant<Plain, Tls>(std::in_place_type<Plain>, executor)) {
    // Beast sizes each socket read by the buffer's free capacity (512 bytes when fresh): give
    // it room for a whole stream burst, so one recv takes what the backend sent in one send.
    buffer.reserve(kReadBufferBytes);
}

tcp::socket& Connection::socket() noexcept {
    return std::visit([](auto& s) -> tcp::socket& { return socket_of(s); }, stream_);
}

bool Connection::silent() noexcept {
    auto& socket = this->socket();
    if (!socket.is_open()) return false;
    char byte;
    const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() noexcept {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);  // also ends any pending operation
}

net::awaitable<ConnectResult> connect(Connection& connection, const Backend& backend,
                                      std::optional<std::chrono::milliseconds> timeout) {
    const config::Backend& settings = backend.settings();
    tcp::socket& socket = connection.socket();
    SocketDeadline& deadline = connection.deadline();

    beast::error_code ec;
    std::vector<tcp::endpoint> endpoints;
    const auto address = net::ip::make_address(settings.host, ec);
    if (!ec) {
        endpoints.emplace_back(address, settings.port);
    } else {
        tcp::resolver resolver(co_await net::this_coro::executor);
        auto [resolve_ec, results] = co_await resolver.async_resolve(
            settings.host, std::to_string(settings.port), use_tuple);
        if (resolve_ec) co_return ConnectResult{resolve_ec, UpstreamError::dns};
        for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    }

    // One deadline over the endpoints and the TLS handshake; its expiry is the timeout.
    deadline.arm(timeout.value_or(settings.timeouts.connect));
    beast::error_code connect_ec = net::error::host_not_found;
    for (const tcp::endpoint& endpoint : endpoints) {
        beast::error_code ignored;
        socket.close(ignored);  // a failed attempt's socket; async_connect opens a fresh one
        auto [attempt_ec] = co_await socket.async_connect(endpoint, use_tuple);
        connect_ec = attempt_ec;
        if (!connect_ec || deadline.caused(connect_ec)) break;
    }
    if (connect_ec) {
        deadline.disarm();
        if (deadline.caused(connect_ec)) co_return ConnectResult{beast::error::timeout, UpstreamError::connect_timeout};
        co_return ConnectResult{connect_ec, UpstreamError::connect_refused};
    }
    socket.set_option(tcp::no_delay(true), ec);
    connection.visit([&](auto& s) {  // for write_now(); TLS always writes asynchronously
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, Connection::Plain>) s.non_blocking(true, ec);
    });

    ConnectResult result;
    co_await connection.visit([&](auto& s) -> net::awaitable<void> {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, Connection::Tls>) {
            SSL* ssl = s.native_handle();
            beast::error_code addr_ec;
            net::ip::make_address(settings.host, addr_ec);
            if (addr_ec) SSL_set_tlsext_host_name(ssl, settings.host.c_str());  // SNI: names only
            if (!settings.tls_settings.insecure_skip_verify) {
                s.set_verify_callback(ssl::host_name_verification(settings.host));
            }
            auto [hs_ec] = co_await s.async_handshake(ssl::stream_base::client, use_tuple);
            if (hs_ec) {
                result.error = deadline.caused(hs_ec) ? beast::error_code(beast::error::timeout) : hs_ec;
                result.kind = deadline.caused(hs_ec) ? UpstreamError::connect_timeout : UpstreamError::tls;
            }
        }
        co_return;
    });
    deadline.disarm();
    co_return result;
}

}  // namespace infergate::upstream
