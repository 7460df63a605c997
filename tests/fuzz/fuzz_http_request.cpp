// A client's bytes through Beast's request parser the way the session reads them
// (src/server/http_session.cpp): the head first (not eager), then the body (eager), then the
// next pipelined request from what is left, with the server's size limits. The same bytes
// delivered whole and in small pieces must frame the same requests: framing that depends on
// how TCP cut the stream is how requests get smuggled. The gateway's own framing rules
// (HeadScanner, check_header) run on each head as the session runs them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "infergate/api/endpoint.hpp"
#include "infergate/api/error.hpp"
#include "infergate/api/openai_request.hpp"
#include "infergate/config/config.hpp"
#include "infergate/json/scanner.hpp"
#include "infergate/net.hpp"
#include "infergate/observability/request_id.hpp"
#include "infergate/server/request_framing.hpp"

namespace {

using namespace infergate;
using Parser = http::request_parser<http::string_body>;

struct Limits {
    std::uint32_t header;
    std::uint64_t body;
};

// The client side of the socket: `piece` bytes per read, then end of stream.
class Client {
public:
    Client(std::string_view bytes, std::size_t piece) : rest_(bytes), piece_(piece) {}
    bool read_into(std::string& buffer) {
        if (rest_.empty()) return false;
        const std::size_t n = std::min(piece_, rest_.size());
        buffer.append(rest_.substr(0, n));
        rest_.remove_prefix(n);
        return true;
    }

private:
    std::string_view rest_;
    std::size_t piece_;
};

// http::read_some as Beast 1.81 does it: parse what is buffered, read more on need_more, and
// at end of stream let the parser decide. `raw_head` collects the bytes the head is parsed
// from (the request line may be consumed by an earlier put than the fields).
beast::error_code read_some(Parser& parser, std::string& buffer, Client& client,
                            std::string& raw_head) {
    beast::error_code ec;
    for (bool parse = !buffer.empty();; parse = true) {
        if (parse) {
            const bool had_head = parser.is_header_done();
            const std::size_t used = parser.put(net::buffer(buffer), ec);
            if (!had_head) raw_head.append(buffer, 0, used);
            buffer.erase(0, used);
            if (ec != http::error::need_more) return ec;
        }
        if (!client.read_into(buffer)) {
            if (!parser.got_some()) return http::error::end_of_stream;
            ec = {};
            parser.put_eof(ec);
            return ec;
        }
    }
}

// What the session does with a complete request before any I/O: route it, read its id and
// content type, validate a proxied body, and render the errors it would answer with.
void handle(const Parser::value_type& request) {
    const api::Endpoint endpoint = api::classify(request.target());
    const auto id = request.find("x-request-id");
    if (id != request.end()) observability::is_valid_request_id(id->value());
    std::vector<api::Error> answers{api::route_not_found(request.target()),
                                    api::method_not_allowed(request.method_string(), request.target())};
    const auto content_type = request.find(http::field::content_type);
    if (content_type != request.end()) answers.push_back(api::unsupported_media_type(content_type->value()));
    if (api::is_proxied(endpoint)) {
        auto parsed = api::parse_proxy_request(request.body(), endpoint);
        if (auto* error = std::get_if<api::Error>(&parsed)) answers.push_back(*error);
    }
    // Error bodies quote client bytes: they must still be valid JSON.
    for (const api::Error& error : answers) {
        FUZZ_REQUIRE(!json::validate(api::render_error(error), json::kMaxDepthLimit));
    }
}

std::string describe(const Parser::value_type& request) {
    std::string out;
    out.append(request.method_string()).append(" ").append(request.target());
    out += " " + std::to_string(request.version()) + (request.keep_alive() ? " keep-alive" : "");
    out += request.chunked() ? " chunked\n" : "\n";
    for (const auto& field : request) out.append(field.name_string()).append(": ").append(field.value()) += '\n';
    return out + "\n" + request.body();
}

struct Connection {
    std::vector<std::string> requests;  // as framed, in order
    // Whether a parse error closed the connection. Which error is not compared: Beast looks
    // for the blank line before parsing only once a head arrived in pieces, so a bare-LF head
    // is "bad version" when whole but "partial message" (or the header limit) when split.
    bool failed = false;
    bool operator==(const Connection&) const = default;
};

Connection serve(std::string_view bytes, std::size_t piece, Limits limits) {
    Connection out;
    Client client(bytes, piece);
    std::string buffer;  // read-ahead: the start of the next pipelined request
    for (;;) {
        if (buffer.empty() && !client.read_into(buffer)) return out;  // closed between requests
        Parser parser;
        parser.header_limit(limits.header);
        parser.body_limit(limits.body);
        std::string raw_head;
        beast::error_code ec;
        parser.eager(false);  // http::async_read_header
        while (!ec && !parser.is_header_done()) ec = read_some(parser, buffer, client, raw_head);
        if (!ec && raw_head.size() > limits.header) ec = http::error::header_limit;  // as the session
        // The gateway's own framing rules (server/request_framing.hpp) on the same head: a
        // violation closes the connection like a parse error. Which one is not compared (a
        // split head may reach the parser's error first), only that the connection fails.
        if (!ec) {
            server::HeadScanner scanner;
            const auto scanned = scanner.scan(raw_head);
            FUZZ_REQUIRE(scanned.violation || scanned.head_size == raw_head.size());
            if (scanned.violation || server::check_header(parser.get())) ec = http::error::bad_field;
        }
        if (ec) {
            out.failed = true;
            return out;
        }
        parser.eager(true);  // http::async_read
        while (!ec && !parser.is_done()) ec = read_some(parser, buffer, client, raw_head);
        if (ec) {
            out.failed = true;
            return out;
        }
        const auto& request = parser.get();
        FUZZ_REQUIRE(request.body().size() <= limits.body);
        if (const auto length = parser.content_length(); length && !request.chunked()) {
            FUZZ_REQUIRE(request.body().size() == *length);
        }
        out.requests.push_back(describe(request));
        handle(request);
        if (!request.keep_alive()) return out;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const config::ServerSettings defaults;
    // The shipped limits, and tiny ones so that small inputs reach the limit checks too.
    for (const Limits limits : {Limits{static_cast<std::uint32_t>(defaults.max_header_bytes),
                                       defaults.max_body_bytes},
                                Limits{256, 16}}) {
        const Connection whole = serve(bytes, size + 1, limits);
        // One piece size per input, from its content: 1..16 bytes per read.
        std::uint32_t hash = 2166136261u;
        for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
        FUZZ_REQUIRE(serve(bytes, 1 + hash % 16, limits) == whole);
    }
    return 0;
}
