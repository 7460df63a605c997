// Building and writing the gateway's own responses (errors, local endpoints).
#pragma once

#include <string>
#include <string_view>

#include "infergate/api/error.hpp"
#include "infergate/config/config.hpp"
#include "infergate/net.hpp"
#include "infergate/server/client_connection.hpp"

namespace infergate::server {

using Response = http::response<http::string_body>;

Response make_response(unsigned status, std::string body, std::string_view content_type,
                       const ClientConnection& client, std::string_view request_id);
Response make_error_response(const api::Error& error, const ClientConnection& client,
                             std::string_view request_id);

// Writes within `timeout`; returns the error (timeout when the client stopped reading).
net::awaitable<beast::error_code> write_response(ClientConnection& client, Response& response,
                                                 config::Duration timeout);

}  // namespace infergate::server
