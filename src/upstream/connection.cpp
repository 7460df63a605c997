#include "infergate/upstream/connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <openssl/ssl.h>

namespace infergate::upstream {
namespace {

using observability::UpstreamError;

Connection::Plain& plain_of(Connection::Plain& s) { return s; }
Connection::Plain& plain_of(Connection::Tls& s) { return s.next_layer(); }

UpstreamError classify_connect_error(const beast::error_code& ec) {
    if (ec == beast::error::timeout) return UpstreamError::connect_timeout;
    return UpstreamError::connect_refused;
}

}  // namespace

Connection::Connection(const net::any_io_executor& executor, const Backend& backend)
    : stream_(backend.tls_context() != nullptr
                  ? std::variant<Plain, Tls>(std::in_place_type<Tls>, executor, *backend.tls_context())
                  : std::variant<Plain, Tls>(std::in_place_type<Plain>, executor)) {
    // Beast sizes each socket read by the buffer's free capacity (512 bytes when fresh): give
    // it room for a whole stream burst, so one recv takes what the backend sent in one send.
    buffer.reserve(kReadBufferBytes);
}

beast::tcp_stream& Connection::tcp() noexcept {
    return std::visit([](auto& s) -> Plain& { return plain_of(s); }, stream_);
}

bool Connection::silent() noexcept {
    auto& socket = tcp().socket();
    if (!socket.is_open()) return false;
    char byte;
    const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() noexcept {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();  // also cancels the deadline timer and any pending operation
}

net::awaitable<ConnectResult> connect(Connection& connection, const Backend& backend,
                                      std::optional<std::chrono::milliseconds> timeout) {
    const config::Backend& settings = backend.settings();
    auto& stream = connection.tcp();

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

    stream.expires_after(timeout.value_or(settings.timeouts.connect));
    auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, use_tuple);
    if (connect_ec) co_return ConnectResult{connect_ec, classify_connect_error(connect_ec)};
    stream.socket().set_option(tcp::no_delay(true), ec);

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
                result.error = hs_ec;
                result.kind = hs_ec == beast::error::timeout ? UpstreamError::connect_timeout
                                                             : UpstreamError::tls;
            }
        }
        co_return;
    });
    stream.expires_never();
    co_return result;
}

}  // namespace infergate::upstream
