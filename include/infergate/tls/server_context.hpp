// The TLS side of the HTTPS listener (server.tls): an OpenSSL context built from the
// certificate, key and client CA files, with modern settings fixed in code (TLS 1.2+, ECDHE
// with AEAD ciphers for 1.2, no compression, no renegotiation, ALPN http/1.1). Built when a
// snapshot is built, so a reload reads the files again; a connection keeps the context it
// started with.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "infergate/config/config.hpp"
#include "infergate/net.hpp"

namespace infergate::tls {

// A file that cannot serve: which one (for the loader to point at its key) and why.
struct FileError {
    enum class File { cert, key, client_ca } file = File::cert;
    std::string message;
};

class ServerContext;
using ServerContextPtr = std::shared_ptr<const ServerContext>;

class ServerContext {
public:
    explicit ServerContext(config::ListenerTls settings);
    ServerContext(const ServerContext&) = delete;
    ServerContext& operator=(const ServerContext&) = delete;

    // Shared by every handshake on every worker: OpenSSL makes SSL_new on one SSL_CTX
    // thread-safe; nothing here changes the context after it is built.
    ssl::context& native() const noexcept { return context_; }
    const config::ListenerTls& settings() const noexcept { return settings_; }
    // The serving certificate's notAfter (Unix time) and serial (hex), for metrics and logs.
    double not_after() const noexcept { return not_after_; }
    const std::string& serial() const noexcept { return serial_; }

private:
    friend std::variant<ServerContextPtr, FileError> make_server_context(const config::ListenerTls& settings);
    config::ListenerTls settings_;
    mutable ssl::context context_;
    double not_after_ = 0;
    std::string serial_;
};

std::variant<ServerContextPtr, FileError> make_server_context(const config::ListenerTls& settings);

}  // namespace infergate::tls
