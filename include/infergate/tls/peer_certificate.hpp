// What a client's verified certificate (server.tls.client_auth) says about its holder. The
// session fills it once per connection after the handshake; the auth stage reads it from the
// request context and never sees a socket.
#pragma once

#include <optional>
#include <string>
#include <vector>

struct ssl_st;  // OpenSSL's SSL

namespace infergate::tls {

struct PeerCertificate {
    std::string common_name;              // the subject's CN (the last one, if several)
    std::vector<std::string> dns_names;   // subjectAltName entries by type
    std::vector<std::string> uris;
    std::vector<std::string> emails;
};

// The certificate the client presented in a completed handshake, if OpenSSL verified it
// against client_ca_file; nullopt when none was presented (or it did not verify).
std::optional<PeerCertificate> verified_peer_certificate(ssl_st* connection);

}  // namespace infergate::tls
