// Turns the credential a request presents (a client certificate mapped by
// auth.client_certificates, an API key, or a JWT bearer token when auth.jwt lists issuers) into
// a Principal, or a 401. Used by the auth stage (model API requests) and by
// GET /v1/models, which lists only what the caller may use.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"
#include "infergate/net.hpp"
#include "infergate/stages/auth/principal.hpp"
#include "infergate/tls/peer_certificate.hpp"

namespace infergate {
struct Snapshot;
}

namespace infergate::auth {

class KeyMemo;

// The bearer token or API key, from `Authorization: Bearer`, `api-key` (Azure OpenAI SDKs) or
// `x-api-key` (Anthropic SDKs). nullopt: none sent; empty: sent in an unusable form.
std::optional<std::string_view> presented_credential(const http::request_header<>& headers) noexcept;

// `certificate`: the client's verified TLS certificate (null: none, or plain HTTP). One that
// auth.client_certificates maps to an identity wins over any credential in the headers.
// `memo`: the connection's memo of its last key (null: none), consulted and updated.
std::variant<Principal, api::Error> authenticate(const http::request_header<>& headers,
                                                 const Snapshot& snapshot,
                                                 std::chrono::system_clock::time_point now,
                                                 const tls::PeerCertificate* certificate = nullptr,
                                                 KeyMemo* memo = nullptr);

// authenticate() for a client at `address`, through the snapshot's failure limiter: an address
// that failed too often recently is refused with 429 before its credential is looked at, and
// each 401 counts against its address.
struct AuthVerdict {
    std::variant<Principal, api::Error> result;
    std::string response_headers;  // "WWW-Authenticate: Bearer" on 401, "Retry-After" on 429
    std::string fingerprint;       // of a refused credential (8 hex digits of its SHA-256), for logs
};
AuthVerdict authenticate_client(const http::request_header<>& headers, const net::ip::address& address,
                                const Snapshot& snapshot, std::chrono::system_clock::time_point now,
                                const tls::PeerCertificate* certificate = nullptr,
                                KeyMemo* memo = nullptr);
// The admin key (config `admin.key_sha256`), through the same failure limiter. The principal
// it yields has key_id "admin" and no limits.
AuthVerdict authenticate_admin(const http::request_header<>& headers, const net::ip::address& address,
                               const Snapshot& snapshot);

}  // namespace infergate::auth
