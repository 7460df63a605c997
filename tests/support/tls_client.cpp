#include "support/tls_client.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <openssl/bn.h>
#include <openssl/ssl.h>

namespace infergate::testing {

TlsClient::TlsClient(std::uint16_t port, const TlsClientOptions& options) : context_(ssl::context::tls_client) {
    SSL_CTX* native = context_.native_handle();
    if (options.min_version != 0 && options.min_version < TLS1_2_VERSION) {
        // OpenSSL 3 refuses TLS 1.0/1.1 below security level 0: the point is to offer them.
        SSL_CTX_set_security_level(native, 0);
        SSL_CTX_set_cipher_list(native, "ALL:@SECLEVEL=0");
    }
    if (options.min_version != 0) SSL_CTX_set_min_proto_version(native, options.min_version);
    if (options.max_version != 0) SSL_CTX_set_max_proto_version(native, options.max_version);
    static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(native, kAlpn, sizeof kAlpn);
    if (!options.ca_pem.empty()) {
        context_.add_certificate_authority(net::buffer(options.ca_pem));
        context_.set_verify_mode(ssl::verify_peer);
    } else {
        context_.set_verify_mode(ssl::verify_none);
    }
    if (!options.cert_pem.empty()) {
        context_.use_certificate_chain(net::buffer(options.cert_pem));
        context_.use_private_key(net::buffer(options.key_pem), ssl::context::pem);
    }
    stream_ = std::make_unique<ssl::stream<beast::tcp_stream>>(io_, context_);
    beast::get_lowest_layer(*stream_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(10));
    // TLS 1.3: a client certificate the server refuses is refused after the client's side of
    // the handshake is done; the client sees the alert on its first read.
    stream_->handshake(ssl::stream_base::client, error_);
}

TlsClient::~TlsClient() {
    beast::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().close(ignored);
}

std::string TlsClient::server_serial() const {
    const X509* certificate = SSL_get0_peer_certificate(stream_->native_handle());
    if (certificate == nullptr) return {};
    BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
    char* hex = BN_bn2hex(number);
    std::string serial = hex;
    OPENSSL_free(hex);
    BN_free(number);
    return serial;
}

std::string TlsClient::protocol() const { return SSL_get_version(stream_->native_handle()); }

std::string TlsClient::alpn() const {
    const unsigned char* data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(stream_->native_handle(), &data, &length);
    return std::string(reinterpret_cast<const char*>(data), length);
}

namespace {

http::request<http::string_body> make_request(http::verb method, const std::string& target, const std::string& body,
                                              const Headers& headers) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() || method == http::verb::post) {
        if (req.find(http::field::content_type) == req.end()) req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
    }
    return req;
}

}  // namespace

void TlsClient::send(http::verb method, const std::string& target, const std::string& body, const Headers& headers) {
    auto req = make_request(method, target, body, headers);
    beast::error_code ec;
    http::write(*stream_, req, ec);
}

void TlsClient::leave() {
    beast::error_code ignored;
    SSL_shutdown(stream_->native_handle());  // sends close_notify; does not wait for the server's
    beast::get_lowest_layer(*stream_).socket().close(ignored);
}

HttpResult TlsClient::request(http::verb method, const std::string& target, const std::string& body,
                              const Headers& headers) {
    HttpResult result;
    result.complete = false;
    auto req = make_request(method, target, body, headers);
    beast::error_code ec;
    http::write(*stream_, req, ec);
    if (ec) return result;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    http::read(*stream_, buffer_, parser, ec);
    if (!parser.is_header_done()) return result;  // status 0: no answer
    return result_of(parser, ec);
}

bool TlsClient::closed_by_server(std::chrono::milliseconds timeout) {
    const int fd = beast::get_lowest_layer(*stream_).socket().native_handle();
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd watch{fd, POLLIN, 0};
        if (::poll(&watch, 1, static_cast<int>(left.count())) <= 0) return false;
        char bytes[4096];
        const ssize_t n = ::recv(fd, bytes, sizeof bytes, 0);  // TLS records (an alert) are skipped
        if (n <= 0) return true;
    }
}

}  // namespace infergate::testing
