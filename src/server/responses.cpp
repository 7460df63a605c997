#include "infergate/server/responses.hpp"

namespace infergate::server {

Response make_response(unsigned status, std::string body, std::string_view content_type,
                       const ClientConnection& client, std::string_view request_id) {
    Response response{static_cast<http::status>(status), client.version};
    response.set(http::field::content_type, content_type);
    if (!request_id.empty()) response.set("x-request-id", request_id);
    response.body() = std::move(body);
    response.keep_alive(client.keep_alive);
    response.prepare_payload();
    return response;
}

Response make_error_response(const api::Error& error, const ClientConnection& client,
                             std::string_view request_id) {
    Response response = make_response(error.status, api::render_error(error), "application/json",
                                       client, request_id);
    if (error.status == 405) response.set(http::field::allow, "GET, POST");
    return response;
}

net::awaitable<beast::error_code> write_response(ClientConnection& client, Response& response,
                                                 config::Duration timeout) {
    client.stream.expires_after(timeout);
    auto [ec, written] = co_await http::async_write(client.stream, response, use_tuple);
    client.stream.expires_never();
    co_return ec;
}

}  // namespace infergate::server
