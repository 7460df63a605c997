#include "infergate/server/client_tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

namespace infergate::server {
namespace {

using observability::TlsFailure;

TlsFailure classify(const beast::error_code& ec, bool timed_out) {
    if (timed_out) return TlsFailure::timeout;
    if (ec == net::error::eof || ec == net::error::connection_reset || ec == ssl::error::stream_truncated) {
        return TlsFailure::client_closed;
    }
    if (ec.category() != net::error::get_ssl_category()) return TlsFailure::other;
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_NO_PROTOCOLS_AVAILABLE:
        case SSL_R_VERSION_TOO_LOW:
            return TlsFailure::protocol_version;
        case SSL_R_NO_SHARED_CIPHER: return TlsFailure::no_shared_cipher;
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: return TlsFailure::no_client_certificate;
        case SSL_R_CERTIFICATE_VERIFY_FAILED: return TlsFailure::bad_client_certificate;
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
            return TlsFailure::not_tls;
        default: return TlsFailure::other;
    }
}

}  // namespace

net::awaitable<bool> handshake(ClientConnection& client, const SocketDeadline& deadline,
                               observability::Metrics& metrics) {
    auto& stream = client.stream.tls();
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (ec) {
        const TlsFailure reason = classify(ec, deadline.expired());
        metrics.count(reason);
        spdlog::debug("TLS handshake with {} failed: {} ({})", client.peer, observability::label(reason), ec.message());
        co_return false;
    }
    SSL* native = stream.native_handle();
    (SSL_version(native) == TLS1_3_VERSION ? metrics.tls_handshakes_13 : metrics.tls_handshakes_12).Increment();
    client.certificate = tls::verified_peer_certificate(native);
    co_return true;
}

net::awaitable<void> close_tls(ClientConnection& client) {
    constexpr auto kCloseTime = std::chrono::seconds(1);
    auto& stream = client.stream.tls();
    SSL* native = stream.native_handle();
    // As if the client's close_notify had arrived: SSL_shutdown then completes once ours is sent.
    SSL_set_shutdown(native, SSL_get_shutdown(native) | SSL_RECEIVED_SHUTDOWN);
    client.deadline.arm(kCloseTime);
    co_await stream.async_shutdown(use_tuple);  // a failure changes nothing: the socket closes next
    client.deadline.disarm();
}

}  // namespace infergate::server
