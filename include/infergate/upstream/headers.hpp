// Which headers cross the gateway. Hop-by-hop headers stop at each side; the client's
// credentials never go upstream and the backend's never come back.
#pragma once

#include <functional>
#include <string_view>

#include "infergate/net.hpp"

namespace infergate::upstream {

using HeaderVisitor = std::function<void(std::string_view name, std::string_view value)>;

// The client's end-to-end headers that the upstream may see, one at a time: not hop-by-hop,
// not credentials (Authorization, api-key, x-api-key, Cookie), not Host/Content-Length/Expect,
// not Accept-Encoding (the gateway reads the response: it must arrive uncompressed), not
// x-request-id (the gateway sets its own).
void for_each_forwarded_request_header(const http::fields& from, const HeaderVisitor& visit);

// The upstream's end-to-end response headers for the client: not hop-by-hop, not
// Content-Length/Transfer-Encoding (the gateway frames the body itself). The upstream's own
// x-request-id is passed as x-upstream-request-id. `skip` (may be unknown) is left out too.
void for_each_forwarded_response_header(const http::fields& from, const HeaderVisitor& visit,
                                        http::field skip = http::field::unknown);

}  // namespace infergate::upstream
