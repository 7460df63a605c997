// Which headers cross the gateway. Hop-by-hop headers stop at each side; the client's
// credentials never go upstream and the backend's never come back.
#pragma once

#include <functional>
#include <string_view>

#include "infergate/net.hpp"

namespace infergate::upstream {

// Copies the client's end-to-end headers that the upstream may see: not hop-by-hop, not
// credentials (Authorization, api-key, x-api-key, Cookie), not Host/Content-Length/Expect,
// not Accept-Encoding (the gateway reads the response: it must arrive uncompressed),
// not x-request-id (the gateway sets its own).
void copy_request_headers(const http::fields& from, http::fields& to);
// The same selection, handed to `f(name, value)` one header at a time (no copies).
void for_each_forwarded_request_header(
    const http::fields& from, const std::function<void(std::string_view, std::string_view)>& f);

// Copies the upstream's end-to-end response headers for the client: not hop-by-hop, not
// Content-Length/Transfer-Encoding (the gateway frames the body itself). The upstream's own
// x-request-id is kept as x-upstream-request-id.
void copy_response_headers(const http::fields& from, http::fields& to);

}  // namespace infergate::upstream
