#include "infergate/server/http_session.hpp"

#include <array>
#include <netinet/tcp.h>

#include <spdlog/spdlog.h>

#include "infergate/api/endpoint.hpp"
#include "infergate/api/openai_request.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/observability/request_id.hpp"
#include "infergate/server/client_connection.hpp"
#include "infergate/server/client_tls.hpp"
#include "infergate/server/gateway.hpp"
#include "infergate/server/local_endpoints.hpp"
#include "infergate/server/proxy_call.hpp"
#include "infergate/server/request_reader.hpp"
#include "infergate/server/request_record.hpp"
#include "infergate/server/responses.hpp"
#include "infergate/server/stage_reply.hpp"
#include "infergate/server/worker.hpp"
#include "infergate/stages/transform/messages_ingress_count_tokens.hpp"

namespace infergate::server {
namespace {

using observability::ClientError;
using pipeline::Clock;

constexpr int kMaxUnsentBytes = 64 * 1024;  // per client connection, in the kernel
// Overload answers (503 gateway_overloaded): the condition is momentary.
constexpr std::string_view kRetrySoon = "Retry-After: 1\r\n";

class HttpSession {
public:
    HttpSession(Worker& worker, tcp::socket socket, tls::ServerContextPtr tls)
        : worker_(worker), metrics_(worker.gateway().metrics()), client_(std::move(socket)),
          tls_(std::move(tls)) {
        if (tls_) client_.stream.use_tls(tls_->native());
        beast::error_code ec;
        const auto remote = client_.stream.socket().remote_endpoint(ec);
        if (!ec) {
            client_.address = remote.address();
            client_.peer = remote.address().to_string() + ":" + std::to_string(remote.port());
        }
        client_.stream.socket().set_option(tcp::no_delay(true), ec);
        // The kernel grows a socket's send buffer up to net.ipv4.tcp_wmem (4 MiB by default)
        // whether or not the client reads. Bytes the client's window has not taken stay
        // below this, so a client that stops reading holds little memory and a write blocks
        // (then times out) early, while bytes in flight to a fast reader are not limited.
        client_.stream.socket().set_option(
            net::detail::socket_option::integer<IPPROTO_TCP, TCP_NOTSENT_LOWAT>(kMaxUnsentBytes), ec);
        metrics_.connections_open.Increment();
        // Eviction only closes the socket: the pending read fails and run() ends as usual.
        slot_ = worker_.admit([this] { client_.stream.close(); });
    }
    ~HttpSession() { metrics_.connections_open.Decrement(); }

    net::awaitable<void> run() {
        // A whole-header deadline, not an idle timer re-armed per read: slowloris cannot
        // stretch it. A new connection's runs from its arrival and covers the TLS handshake
        // too, so a client that waits before its first byte gains nothing.
        client_.deadline.arm(worker_.config()->config.server.header_timeout);
        bool secured = false;  // a TLS handshake completed: close with close_notify
        if (slot_ && tls_) {
            secured = co_await handshake(client_, client_.deadline, metrics_);
            if (!secured) slot_.reset();  // nothing to read: straight to the close
        }
        // No slot: refused (every connection busy, the reserve full): closed unread.
        for (bool first = true; slot_; first = false) {
            const SnapshotPtr config = worker_.config();  // pinned for this request
            const auto& limits = config->config.server;
            RequestParser parser;
            parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
            parser.body_limit(limits.max_body_bytes);
            // Awaited into locals, never inside a condition: GCC 12 miscompiles
            // `if (co_await ...)` in some coroutines (seen as SIGILL/SIGSEGV).
            const bool complete = co_await read_request(parser, limits, first);
            if (!complete) break;
            slot_->busy();
            Gateway& gateway = worker_.gateway();
            // Draining: this is the connection's last request (the answer says Connection: close).
            if (gateway.draining()) client_.keep_alive = false;
            const Gateway::InFlight in_flight(gateway);
            const bool keep_alive = co_await handle(parser, config);
            body_claim_.release();  // the body is gone with the request
            if (!keep_alive || gateway.draining()) break;
            slot_->waiting();
        }
        client_.deadline.disarm();
        if (client_.write_timed_out) metrics_.count(ClientError::write_timeout);
        if (secured && !client_.write_timed_out) co_await close_tls(client_);
        beast::error_code ignored;
        client_.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        if (linger_) co_await drain_unread_input();
        client_.stream.close();
    }

private:
    // Reads one request. On a bad or late request, answers it (when there is someone to
    // answer) and returns false: the connection closes.
    net::awaitable<bool> read_request(RequestParser& parser, const config::ServerSettings& limits,
                                      bool first) {
        auto& stream = client_.stream;
        // The first request's header deadline is armed by run(); on a keep-alive connection
        // it runs from the next request's first byte.
        if (client_.buffer.size() == 0) {
            // Between requests the wait is the idle timeout.
            if (!first) client_.deadline.arm(limits.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(client_.buffer.prepare(4096), use_tuple);
            if (ec) {  // idle close, EOF, reset or eviction: nobody to answer
                // Connected and sent nothing until the header deadline: a connection hog.
                if (first && client_.deadline.expired()) metrics_.count(ClientError::header_timeout);
                client_.deadline.disarm();
                co_return false;
            }
            client_.buffer.commit(n);
        }
        if (!first) client_.deadline.arm(limits.header_timeout);
        const ReadOutcome head_read = co_await read_head(client_, parser, limits.max_header_bytes);
        client_.deadline.disarm();
        if (!head_read.ok()) {
            co_await reject_unreadable(head_read, limits, /*in_body=*/false);
            co_return false;
        }
        received_at_ = Clock::now();
        const auto& head = parser.get();
        client_.version = head.version();
        client_.keep_alive = head.keep_alive();
        if (reserve_only()) {
            client_.keep_alive = false;  // one request per reserve place
            // Answered 503 by handle() without reading the body.
            if (api::is_proxied(api::classify(head.target()))) co_return true;
        }
        if (!parser.is_done()) {
            // Claimed before a byte of the body is read (and before 100-continue invites it):
            // its Content-Length, or the largest body allowed when it comes chunked.
            const auto length = parser.content_length();
            const std::size_t claim = length ? static_cast<std::size_t>(*length) : limits.max_body_bytes;
            body_claim_ = worker_.gateway().body_memory().claim(claim, limits.max_buffered_body_bytes);
            if (!body_claim_) {
                client_.keep_alive = false;
                no_room_for_body_ = true;
                co_return true;  // answered 503 by handle() without reading the body
            }
            const auto expect = field_value(head, http::field::expect);
            if (expect && beast::iequals(*expect, "100-continue")) {
                http::response<http::empty_body> go_on{http::status::continue_, head.version()};
                client_.deadline.arm(limits.write_timeout);
                auto [ec, n] = co_await http::async_write(stream, go_on, use_tuple);
                if (write_done(client_, ec)) co_return false;
            }
            client_.deadline.arm(limits.body_timeout);
            const ReadOutcome body_read = co_await read_body(client_, parser, limits.max_header_bytes);
            client_.deadline.disarm();
            if (!body_read.ok()) {
                co_await reject_unreadable(body_read, limits, /*in_body=*/true);
                co_return false;
            }
        }
        co_return true;
    }

    // Lingering close, as nginx does: a connection closed with unread input in its receive
    // queue is reset, and a reset can destroy the error response the client has not read yet
    // (a 413 for a body it is still sending). After our FIN, what the client still sends is
    // read and discarded until it closes, bounded in time and bytes; an evictable slot.
    net::awaitable<void> drain_unread_input() {
        constexpr auto kLingerTime = std::chrono::seconds(2);
        constexpr std::size_t kLingerBytes = 32 << 20;  // a 413 body is discarded, not a flood
        if (slot_) slot_->waiting();
        client_.deadline.arm(kLingerTime);
        std::array<char, 16 * 1024> scratch;
        for (std::size_t drained = 0; drained < kLingerBytes;) {
            // The TCP layer's bytes, also under TLS: they are discarded unread.
            auto [ec, n] = co_await client_.stream.socket().async_read_some(net::buffer(scratch), use_tuple);
            if (ec) break;
            drained += n;
        }
        client_.deadline.disarm();
    }

    // An operation cancelled by our deadline reports operation_aborted: call it a timeout.
    beast::error_code timed_out(const beast::error_code& ec) const {
        return client_.deadline.caused(ec)
                   ? beast::error_code(beast::error::timeout)
                   : ec;
    }

    net::awaitable<void> reject_unreadable(const ReadOutcome& outcome,
                                           const config::ServerSettings& limits, bool in_body) {
        const beast::error_code ec = timed_out(outcome.error);
        if (ec == net::error::eof || ec == net::error::connection_reset || ec == ssl::error::stream_truncated ||
            ec == net::error::operation_aborted || ec == http::error::end_of_stream) {
            co_return;  // the client left
        }
        client_.keep_alive = false;
        // A late client gets its 408 and is gone; any other refused request may still be
        // sending the rest of itself.
        linger_ = ec != beast::error::timeout;
        api::Error error;
        if (outcome.violation) {
            metrics_.count(client_error(*outcome.violation));
            error = framing_error(*outcome.violation);
        } else if (ec == beast::error::timeout) {
            metrics_.count(in_body ? ClientError::body_timeout : ClientError::header_timeout);
            error = api::request_timeout();
        } else if (ec == http::error::body_limit) {
            metrics_.count(ClientError::body_too_large);
            error = api::body_too_large(limits.max_body_bytes);
        } else if (ec == http::error::header_limit) {
            metrics_.count(ClientError::header_too_large);
            error = api::headers_too_large();
        } else {
            metrics_.count(ClientError::bad_request);
            error = api::invalid_request("Malformed HTTP request.", {}, "bad_request");
        }
        Response response = make_error_response(error, client_, {});
        co_await write_response(client_, response, limits.write_timeout);
    }

    // Answers one request; returns whether the connection may carry another.
    net::awaitable<bool> handle(RequestParser& parser, const SnapshotPtr& config) {
        auto& request = parser.get();
        const api::Endpoint endpoint = api::classify(request.target());
        const auto sent_id = request.find("x-request-id");
        std::string request_id =
            sent_id != request.end() && observability::is_valid_request_id(sent_id->value())
                ? std::string(sent_id->value())
                : observability::make_request_id();

        if (no_room_for_body_) {
            linger_ = true;  // the body was left unread
            metrics_.refused_for_body_memory.Increment();
            co_await answer_error(api::body_memory_full(), request, request_id, *config, kRetrySoon);
        } else if (endpoint == api::Endpoint::unknown) {
            co_await answer_error(api::route_not_found(request.target()), request, request_id, *config);
        } else if (!api::allows(endpoint, request.method_string())) {
            co_await answer_error(api::method_not_allowed(request.method_string(), request.target()),
                                  request, request_id, *config);
        } else if (api::is_proxied(endpoint) && reserve_only()) {
            linger_ = !parser.is_done();  // the body was left unread
            metrics_.refused_on_reserve.Increment();
            co_await answer_error(api::gateway_overloaded(), request, request_id, *config, kRetrySoon);
        } else if (api::is_proxied(endpoint)) {
            co_await proxy(endpoint, parser, request_id, config);
        } else {
            co_await answer_local(endpoint, request_id, *config, request);
        }
        co_return client_.keep_alive;
    }

    net::awaitable<void> answer_local(api::Endpoint endpoint, std::string_view request_id,
                                      const Snapshot& config, const http::request<http::string_body>& http_request) {
        Gateway& gateway = worker_.gateway();
        const LocalRequest request{endpoint, http_request.base(), http_request.body(), client_.address,
                                   peer_certificate(), config, metrics_, &gateway, gateway.draining(),
                                   gateway.reloader()};
        LocalAnswer answer = co_await answer_locally(request);
        Response response =
            answer.error ? make_error_response(*answer.error, client_, request_id, answer.extra_headers)
                         : make_response(answer.status, std::move(answer.body), answer.content_type, client_,
                                         request_id);
        co_await write_response(client_, response, config.config.server.write_timeout);
    }

    net::awaitable<void> answer_error(const api::Error& error, const http::request<http::string_body>& request,
                                      std::string_view request_id, const Snapshot& config,
                                      std::string_view extra_headers = {}) {
        Response response =
            make_error_response(error, client_, request_id, extra_headers, api::classify(request.target()));
        const auto ec = co_await write_response(client_, response, config.config.server.write_timeout);
        pipeline::Completion done;
        done.status = error.status;
        done.code = error.code;
        done.client_disconnected = static_cast<bool>(ec);
        done.bytes_out = response.body().size();
        record_unrouted(worker_, request, request_id, client_.peer, done, received_at_, Clock::now());
    }

    net::awaitable<void> proxy(api::Endpoint endpoint, RequestParser& parser, std::string_view request_id,
                               const SnapshotPtr& config) {
        auto& request = parser.get();
        pipeline::RequestContext ctx(*config, request.base());
        ctx.response_headers = std::move(client_.response_headers_spare);
        ctx.response_headers.clear();
        // Declared after ctx, so destroyed before it, on every way out of this coroutine.
        const ReturnSpare return_spare{ctx.response_headers, client_.response_headers_spare};
        ctx.endpoint = endpoint;
        ctx.request_id = request_id;
        ctx.received_at = received_at_;
        ctx.client_address = client_.address;
        ctx.key_memo = &client_.key_memo;
        ctx.peer_certificate = peer_certificate();
        const std::uint64_t bytes_in = request.body().size();
        ctx.body = std::move(request.body());

        pipeline::Completion done;
        std::size_t entered = 0;
        std::optional<api::Error> rejection;
        const auto content_type = field_value(request, http::field::content_type);
        if (content_type && !content_type->starts_with("application/json")) {
            rejection = api::unsupported_media_type(*content_type);
        } else {
            auto parsed = api::parse_proxy_request(ctx.body, endpoint);
            if (auto* error = std::get_if<api::Error>(&parsed)) {
                rejection = std::move(*error);
            } else {
                ctx.request = std::move(std::get<api::ProxyRequest>(parsed));
                pipeline::Outcome outcome = co_await config->pipeline.run_request(ctx, entered);
                if (outcome.rejected()) rejection = outcome.error();
            }
        }

        if (!rejection && endpoint == api::Endpoint::messages_count_tokens) {
            // Authenticated and routed (the model must be one the key may use): estimated here.
            auto counted = transform::messages_ingress::count_tokens(ctx.body);
            if (auto* error = std::get_if<api::Error>(&counted)) {
                rejection = std::move(*error);
            } else {
                Response response = make_response(200, std::move(std::get<std::string>(counted)), "application/json",
                                                  client_, request_id);
                const auto ec = co_await write_response(client_, response, config->config.server.write_timeout);
                done.status = 200;
                done.client_disconnected = static_cast<bool>(ec);
                done.bytes_out = response.body().size();
                config->pipeline.finish(ctx, done, entered);
                record_proxied(worker_, ctx, client_.peer, bytes_in, done, Clock::now());
                co_return;
            }
        }
        if (rejection) {
            Response response =
                make_error_response(*rejection, client_, request_id, ctx.response_headers, endpoint);
            const auto ec = co_await write_response(client_, response, config->config.server.write_timeout);
            done.status = rejection->status;
            done.code = rejection->code;
            done.client_disconnected = static_cast<bool>(ec);
            done.bytes_out = response.body().size();
        } else if (ctx.reply) {  // a stage answered (a cache hit): nothing goes upstream
            done = co_await write_stage_reply(client_, ctx);
        } else {
            done = co_await proxy_request(worker_, client_, ctx);
        }
        config->pipeline.finish(ctx, done, entered);
        record_proxied(worker_, ctx, client_.peer, bytes_in, done, Clock::now());
    }

    // Gives a request's header-line buffer back to its connection for the next request.
    struct ReturnSpare {
        std::string& lent;
        std::string& spare;
        ~ReturnSpare() { spare = std::move(lent); }
    };

    const tls::PeerCertificate* peer_certificate() const {
        return client_.certificate ? &*client_.certificate : nullptr;
    }

    // A reserve connection (admitted while every other was busy) serves one request, and
    // only for the gateway's own endpoints.
    bool reserve_only() const { return slot_->kind() == ConnectionTable::Kind::reserve; }

    Worker& worker_;
    observability::Metrics& metrics_;
    ClientConnection client_;
    tls::ServerContextPtr tls_;      // HTTPS: the context this connection handshook with
    bool linger_ = false;            // drain the client's unread input before closing
    BodyMemory::Claim body_claim_;  // the request's body under max_buffered_body_bytes
    bool no_room_for_body_ = false;                  // the claim failed: answer 503, then close
    Clock::time_point received_at_;  // when the current request's header was complete
    std::unique_ptr<ConnectionTable::Slot> slot_;  // declared last: evicting closes client_
};

}  // namespace

net::awaitable<void> run_session(Worker& worker, tcp::socket socket, tls::ServerContextPtr tls) {
    auto& metrics = worker.gateway().metrics();
    try {
        HttpSession session(worker, std::move(socket), std::move(tls));
        co_await session.run();
    } catch (const std::exception& error) {
        // A bug in one request costs one connection, never the process.
        metrics.session_exceptions.Increment();
        spdlog::error("connection closed after an unexpected error: {}", error.what());
    }
}

}  // namespace infergate::server
