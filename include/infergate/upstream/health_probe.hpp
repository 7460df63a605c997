// One active health check of a backend: a GET of its health path on a connection of its own.
#pragma once

#include <string>

#include "infergate/net.hpp"
#include "infergate/upstream/backend.hpp"

namespace infergate::upstream {

struct ProbeResult {
    bool passed = false;  // a 2xx answer
    unsigned status = 0;  // 0: no answer
    std::string detail;   // why it failed, for the log: "HTTP 503", "connect: Connection refused"
};

// GET <base_path><health_check.path> with the backend's Host header and first credential, over
// TLS for https, on a new connection closed afterwards (a check also proves a dial still
// works). Connecting, sending and reading the response head all fit in health_check.timeout;
// the body is not read. The dial's outcome updates Backend::reachable(). Runs on the caller's
// executor.
net::awaitable<ProbeResult> probe_health(const Backend& backend);

}  // namespace infergate::upstream
