// The endpoints the gateway answers itself, without an upstream: health, readiness, metrics,
// the model list, usage reports and the admin API. Each answer is computed here; the session
// only writes it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "infergate/api/endpoint.hpp"
#include "infergate/api/error.hpp"
#include "infergate/net.hpp"
#include "infergate/tls/peer_certificate.hpp"

namespace infergate {
struct Snapshot;
}
namespace infergate::observability {
class Metrics;
}

namespace infergate::server {

class ConfigReloader;
class Gateway;

struct LocalRequest {
    api::Endpoint endpoint;
    const http::request_header<>& headers;
    std::string_view body;  // read whole, within server.max_body_bytes
    const net::ip::address& client_address;
    const tls::PeerCertificate* peer_certificate;  // verified client certificate; null: none
    const Snapshot& snapshot;
    observability::Metrics& metrics;
    Gateway* gateway = nullptr;  // the admin API's view of the workers and its snapshot publishing
    bool draining = false;  // the gateway is shutting down: not ready
    ConfigReloader* reloader = nullptr;  // POST /admin/reload; null: no config file to reload
};

struct LocalAnswer {
    std::optional<api::Error> error;  // set: answer with this error instead of a body
    unsigned status = 200;
    std::string body;
    std::string_view content_type = "application/json";
    std::string extra_headers;        // "name: value\r\n" lines (WWW-Authenticate, Retry-After)
};

net::awaitable<LocalAnswer> answer_locally(const LocalRequest& request);

}  // namespace infergate::server
