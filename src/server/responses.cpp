#include "infergate/server/responses.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "infergate/stages/transform/messages_ingress_errors.hpp"
#include "infergate/upstream/headers.hpp"

namespace infergate::server {

using namespace std::string_view_literals;

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
                             std::string_view request_id, std::string_view extra_headers,
                             api::Endpoint endpoint) {
    const bool anthropic = endpoint == api::Endpoint::messages || endpoint == api::Endpoint::messages_count_tokens;
    Response response = make_response(
        error.status, anthropic ? transform::messages_ingress::render_error_body(error) : api::render_error(error),
        "application/json", client, request_id);
    if (error.status == 405) response.set(http::field::allow, api::allowed_methods(endpoint));
    while (!extra_headers.empty()) {
        const std::size_t end = extra_headers.find("\r\n");
        const std::string_view line = extra_headers.substr(0, end);
        if (const std::size_t colon = line.find(": "); colon != std::string_view::npos) {
            response.insert(line.substr(0, colon), line.substr(colon + 2));
        }
        if (end == std::string_view::npos) break;
        extra_headers.remove_prefix(end + 2);
    }
    return response;
}

namespace {

// Header values built from names: only visible ASCII, so nothing can end the line early.
bool is_plain_token(std::string_view text) {
    return !text.empty() && text.size() <= 256 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Digits without std::to_string's temporary string: a head is written per response.
void append_decimal(std::string& out, std::uint64_t value) {
    char digits[20];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

}  // namespace

void append_proxied_head(std::string& out, const ProxiedHead& head) {
    const unsigned version = head.client.version;
    const bool own_rate_limits = head.extra_headers.find("x-ratelimit-") != std::string_view::npos;
    out.append(version >= 11 ? "HTTP/1.1 "sv : "HTTP/1.0 "sv);
    append_decimal(out, head.upstream.result_int());
    out.push_back(' ');
    out.append(http::obsolete_reason(head.upstream.result())).append("\r\n"sv);
    upstream::for_each_forwarded_response_header(
        head.upstream,
        [&](std::string_view name, std::string_view value) {
            if (own_rate_limits && name.size() > 12 && beast::iequals(name.substr(0, 12), "x-ratelimit-")) return;
            out.append(name).append(": "sv).append(value).append("\r\n"sv);
        },
        head.event_stream ? http::field::cache_control : http::field::unknown);
    if (head.event_stream) out.append("Cache-Control: no-cache\r\n"sv);
    out.append("x-request-id: "sv).append(head.request_id).append("\r\n"sv);
    if (is_plain_token(head.served_model)) out.append("x-infergate-model: "sv).append(head.served_model).append("\r\n"sv);
    if (is_plain_token(head.backend)) out.append("x-infergate-backend: "sv).append(head.backend).append("\r\n"sv);
    out.append(head.extra_headers);
    if (head.content_length) {
        out.append("Content-Length: "sv);
        append_decimal(out, *head.content_length);
        out.append("\r\n"sv);
    } else if (version >= 11) {
        out.append("Transfer-Encoding: chunked\r\n"sv);
    }
    // HTTP/1.1 is persistent unless told; HTTP/1.0 is not unless told.
    if (version >= 11 && !head.client.keep_alive) out.append("Connection: close\r\n"sv);
    if (version < 11 && head.client.keep_alive) out.append("Connection: keep-alive\r\n"sv);
    out.append("\r\n"sv);
}

net::awaitable<beast::error_code> write_response(ClientConnection& client, Response& response,
                                                 config::Duration timeout) {
    client.deadline.arm(timeout);
    auto [ec, written] = co_await http::async_write(client.stream, response, use_tuple);
    co_return write_done(client, ec);
}

}  // namespace infergate::server
