// A blocking HTTPS client for tests of the gateway's HTTPS listener: chosen TLS versions, a
// client certificate for mTLS, several requests on one connection, and what the server
// presented (its certificate's serial, the protocol version).
#pragma once

#include <memory>
#include <string>

#include "infergate/net.hpp"
#include "support/http_client.hpp"

namespace infergate::testing {

struct TlsClientOptions {
    std::string ca_pem;                  // trust anchor for the server's certificate; empty: none checked
    std::string cert_pem, key_pem;       // a client certificate (mTLS); empty: none
    int min_version = 0;                 // TLS1_VERSION ... TLS1_3_VERSION; 0: OpenSSL's default
    int max_version = 0;
};

class TlsClient {
public:
    // Connects to 127.0.0.1:port and runs the handshake; handshake_error() says whether it failed.
    TlsClient(std::uint16_t port, const TlsClientOptions& options = {});
    ~TlsClient();

    bool connected() const { return !error_; }
    const beast::error_code& handshake_error() const { return error_; }
    std::string server_serial() const;   // hex, as OpenSSL prints it
    std::string protocol() const;        // "TLSv1.2", "TLSv1.3"
    std::string alpn() const;            // the protocol the server selected, if any

    // One request on this connection (keep-alive); the whole response, also a chunked stream.
    HttpResult request(http::verb method, const std::string& target, const std::string& body = "",
                       const Headers& headers = {});
    // Writes one request and reads nothing (the test then hangs up, or reads itself).
    void send(http::verb method, const std::string& target, const std::string& body = "", const Headers& headers = {});
    // Hangs up as an OpenSSL client does: close_notify, then close the socket.
    void leave();
    // Reads until the server closes (or `timeout`): true if it closed.
    bool closed_by_server(std::chrono::milliseconds timeout);

private:
    net::io_context io_;
    ssl::context context_;
    std::unique_ptr<ssl::stream<beast::tcp_stream>> stream_;
    beast::flat_buffer buffer_;
    beast::error_code error_;
};

}  // namespace infergate::testing
