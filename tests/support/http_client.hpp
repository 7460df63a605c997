// Blocking HTTP/1.1 helpers for tests, on real sockets: whole requests and responses, raw
// bytes, and streams read event by event.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include "infergate/net.hpp"

namespace infergate::testing {

struct HttpResult {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool complete = true;   // false when the connection ended before the message did
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// What a parser read: `complete` false when the read ended (with `ec`) before the message did.
HttpResult result_of(const http::response_parser<http::string_body>& parser, const beast::error_code& ec);

// One request on a new connection; reads the whole response (also chunked streams).
HttpResult request(std::uint16_t port, http::verb method, const std::string& target,
                   const std::string& body = "", const Headers& headers = {});
HttpResult post_json(std::uint16_t port, const std::string& target, const std::string& body,
                     const Headers& headers = {});
HttpResult get(std::uint16_t port, const std::string& target);

// Sends one request and returns the open connection without reading the answer, for tests
// that read part of it or hang up.
beast::tcp_stream send_request(net::io_context& io, std::uint16_t port, const std::string& target,
                               const std::string& body, const Headers& headers = {});

// The bytes of a POST of the JSON `body` to `target`, with `fields` (CRLF-terminated lines)
// added to the head, for raw_exchange() / raw_send() or a socket of the test's own.
std::string raw_post(const std::string& target, const std::string& body,
                     const std::string& fields = "");

// Sends `bytes` as they are and returns everything read until the server closes or
// `timeout` passes.
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

struct RawReply {
    std::string bytes;    // everything the server sent
    bool closed = false;  // the server closed (or reset) the connection within the timeout
};
// Sends each of `writes` as a separate write (20 ms apart), reading all the while, so a
// server that answers and closes before the last byte is read still has its answer seen.
RawReply raw_send(std::uint16_t port, const std::vector<std::string>& writes,
                  std::chrono::milliseconds timeout);

// The `data:` payloads of an SSE body, in order.
std::vector<std::string> sse_data(const std::string& body);

// Polls `condition` every 10 ms until it holds or `timeout` passes.
template <class F>
bool eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

}  // namespace infergate::testing
