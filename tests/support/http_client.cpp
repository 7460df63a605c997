#include "support/http_client.hpp"

#include <algorithm>
#include <functional>
#include <thread>

namespace infergate::testing {

HttpResult request(std::uint16_t port, http::verb method, const std::string& target,
                   const std::string& body, const Headers& headers) {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() || method == http::verb::post) {
        if (req.find(http::field::content_type) == req.end()) {
            req.set(http::field::content_type, "application/json");
        }
        req.body() = body;
        req.prepare_payload();
    }
    http::write(stream, req);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(30));
    http::read(stream, buffer, parser, ec);
    return result_of(parser, ec);
}

HttpResult result_of(const http::response_parser<http::string_body>& parser, const beast::error_code& ec) {
    HttpResult result;
    result.complete = !ec;
    const auto& res = parser.get();
    result.status = res.result_int();
    for (const auto& field : res) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        result.headers[name] = std::string(field.value());
    }
    result.body = res.body();
    return result;
}

beast::tcp_stream send_request(net::io_context& io, std::uint16_t port, const std::string& target,
                               const std::string& body, const Headers& headers) {
    beast::tcp_stream stream(io);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    return stream;
}

HttpResult post_json(std::uint16_t port, const std::string& target, const std::string& body,
                     const Headers& headers) {
    return request(port, http::verb::post, target, body, headers);
}

HttpResult get(std::uint16_t port, const std::string& target) {
    return request(port, http::verb::get, target);
}

std::string raw_post(const std::string& target, const std::string& body, const std::string& fields) {
    return "POST " + target + " HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n" + fields +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
    return raw_send(port, {bytes}, timeout).bytes;
}

RawReply raw_send(std::uint16_t port, const std::vector<std::string>& writes,
                  std::chrono::milliseconds timeout) {
    net::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    RawReply reply;
    char chunk[4096];
    // Synchronous reads ignore deadlines: read asynchronously and bound the loop instead.
    std::function<void()> read_more = [&] {
        socket.async_read_some(net::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
            reply.bytes.append(chunk, n);
            if (ec) {
                reply.closed = true;
                io.stop();
                return;
            }
            read_more();
        });
    };
    read_more();
    net::steady_timer pause(io);
    std::size_t next = 0;
    // A failed write (the server closed early) ends the writing, not the reading.
    std::function<void(beast::error_code)> write_next = [&](beast::error_code ec) {
        if (ec || next == writes.size()) return;
        net::async_write(socket, net::buffer(writes[next++]), [&](beast::error_code ec, std::size_t) {
            if (ec || next == writes.size()) return;
            pause.expires_after(std::chrono::milliseconds(20));
            pause.async_wait(write_next);
        });
    };
    write_next({});
    io.run_for(timeout);
    return reply;
}

std::vector<std::string> sse_data(const std::string& body) {
    std::vector<std::string> data;
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t end = body.find('\n', pos);
        if (end == std::string::npos) end = body.size();
        std::string line = body.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("data: ", 0) == 0) data.push_back(line.substr(6));
        pos = end + 1;
    }
    return data;
}

}  // namespace infergate::testing
