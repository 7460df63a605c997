#include "infergate/server/proxy_call.hpp"

#include <algorithm>
#include <array>

#include "infergate/api/response_body.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/server/responses.hpp"
#include "infergate/server/worker.hpp"
#include "infergate/upstream/headers.hpp"
#include "server/proxy_call_impl.hpp"

namespace infergate::server {
namespace detail {
namespace {

constexpr std::size_t kUpstreamHeaderLimit = 64 * 1024;

bool is_event_stream(const http::fields& fields) {
    const auto type = fields.find(http::field::content_type);
    return type != fields.end() && type->value().starts_with("text/event-stream");
}

bool is_json(const http::fields& fields) {
    const auto type = fields.find(http::field::content_type);
    if (type == fields.end()) return false;
    const std::string_view value = type->value();
    return value.starts_with("application/json") || value.find("+json") != std::string_view::npos;
}

}  // namespace

bool is_reset(const beast::error_code& ec) {
    return ec == net::error::eof || ec == http::error::end_of_stream ||
           ec == http::error::partial_message || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::connection_aborted ||
           ec == ssl::error::stream_truncated;
}

ProxyCall::ProxyCall(Worker& worker, ClientConnection& client, pipeline::RequestContext& ctx)
    : worker_(worker), client_(client), ctx_(ctx),
      backend_(*ctx.target->backend), settings_(backend_.settings()) {}

net::awaitable<Completion> ProxyCall::run() {
    upstream::ConnectionPool& pool = worker_.pool_for(ctx_.target->backend);
    ClientWatch watch(client_.stream.socket(), client_.watch_state);
    watch_ = &watch;
    deadline_ = Clock::now() + settings_.timeouts.total;
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto acquired = co_await pool.acquire(/*fresh_only=*/attempt > 0);
        if (!acquired.connection) {
            if (watch.client_gone()) {
                done_.client_disconnected = true;
            } else {
                co_await respond_error(error_for(acquired.kind));  // the pool counted it
            }
            break;
        }
        if (watch.client_gone()) {
            // The client left while a connection was being found (a dial, a TLS handshake, a
            // queue): there was no upstream to close then, so send it nothing now.
            client_gone();
            pool.release(std::move(acquired.connection), /*reusable=*/true);
            break;
        }
        upstream::Connection& connection = *acquired.connection;
        watch.set_upstream(&connection);
        const bool reused = acquired.reused;
        const Attempt result = co_await connection.visit(
            [&](auto& stream) { return exchange(stream, connection, reused); });
        watch.set_upstream(nullptr);
        pool.release(std::move(acquired.connection), result.reusable);
        if (!result.retry_on_fresh) break;
    }
    // A client whose FIN the watch saw (a half-close, or a close the response won the race
    // against) sends no further request. Its connection is not kept alive: the next read
    // might not see that FIN again (Asio stops reading speculatively after an end-of-file, and
    // epoll reports it once), and would wait out the idle timeout instead.
    if (watch.client_gone()) client_.keep_alive = false;
    if (reply_pending_) co_await write_reply();
    watch_ = nullptr;
    co_return std::move(done_);
}

template <class Stream>
net::awaitable<Attempt> ProxyCall::exchange(Stream& stream, upstream::Connection& connection,
                                            bool reused) {
    // The head is assembled in a reused string and written with the body in one gather
    // write: no per-header allocation, no generic serializer. Header values come from
    // Beast's parser, which never yields CR or LF, so nothing can be injected.
    std::string& head = client_.head_buffer;
    head.clear();
    head.append("POST ").append(ctx_.upstream.target).append(" HTTP/1.1\r\nHost: ");
    head.append(backend_.host_header()).append("\r\n");
    bool has_content_type = false;
    upstream::for_each_forwarded_request_header(
        ctx_.headers, [&](std::string_view name, std::string_view value) {
            has_content_type = has_content_type || beast::iequals(name, "content-type");
            head.append(name).append(": ").append(value).append("\r\n");
        });
    if (!has_content_type) head.append("Content-Type: application/json\r\n");
    head.append("x-request-id: ").append(ctx_.request_id).append("\r\n");
    if (!backend_.credential_header().empty()) {
        head.append(backend_.credential_header()).append(": ");
        head.append(backend_.credential_value().reveal()).append("\r\n");
    }
    head.append("Content-Length: ").append(std::to_string(ctx_.upstream.body.size()));
    head.append("\r\n\r\n");
    const std::array<net::const_buffer, 2> request{net::buffer(head),
                                                   net::buffer(ctx_.upstream.body)};

    auto& tcp = connection.tcp();
    tcp.expires_after(within_deadline(settings_.timeouts.first_byte));
    auto [write_ec, written] = co_await net::async_write(stream, request, use_tuple);
    if (write_ec) {
        if (reused && !watch_->client_gone() && write_ec != beast::error::timeout) {
            co_return Attempt{.retry_on_fresh = true};
        }
        co_await fail_before_head(write_ec == beast::error::timeout
                                      ? timeout_kind(UpstreamError::first_byte_timeout)
                                      : UpstreamError::reset);
        co_return Attempt{};
    }

    http::response_parser<http::buffer_body> parser;
    parser.header_limit(kUpstreamHeaderLimit);
    parser.body_limit(boost::none);  // streams are bounded by time; bodies by their parser
    tcp.expires_after(within_deadline(settings_.timeouts.first_byte));
    auto [head_ec, head_bytes] =
        co_await http::async_read_header(stream, connection.buffer, parser, use_tuple);
    if (head_ec) {
        // A pooled connection the backend closed while idle fails just like this; only
        // then is a silent retry on a fresh connection safe.
        if (reused && is_reset(head_ec) && !parser.got_some() && !watch_->client_gone()) {
            co_return Attempt{.retry_on_fresh = true};
        }
        co_await fail_before_head(classify(head_ec, UpstreamError::first_byte_timeout));
        co_return Attempt{};
    }
    done_.upstream_head_at = Clock::now();

    if (parser.get().result() == http::status::ok && is_event_stream(parser.get().base())) {
        co_return co_await relay_stream(stream, connection, parser);
    }
    co_return co_await relay_body(stream, connection, parser);
}

UpstreamError ProxyCall::classify(const beast::error_code& ec, UpstreamError timeout_phase) const {
    if (ec == beast::error::timeout) return timeout_kind(timeout_phase);
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
        return UpstreamError::too_large;
    }
    if (is_reset(ec) || ec == net::error::operation_aborted) return UpstreamError::reset;
    return UpstreamError::protocol;
}

template <class Stream>
net::awaitable<Attempt> ProxyCall::relay_body(Stream& stream, upstream::Connection& connection,
                                              http::response_parser<http::buffer_body>& head_parser) {
    http::response_parser<http::string_body> parser{std::move(head_parser)};
    parser.body_limit(settings_.max_response_bytes);
    // Beast compares a Content-Length with the body limit only while it parses the head (read
    // here without a limit): compare it now, before any of the body is read and buffered.
    if (const auto length = parser.content_length();
        length && *length > settings_.max_response_bytes) {
        co_await fail_before_head(UpstreamError::too_large);
        co_return Attempt{};
    }
    auto& tcp = connection.tcp();
    while (!parser.is_done()) {
        tcp.expires_after(within_deadline(settings_.timeouts.idle));
        auto [ec, n] = co_await http::async_read_some(stream, connection.buffer, parser, use_tuple);
        if (ec) {
            co_await fail_before_head(classify(ec, UpstreamError::idle_timeout));
            co_return Attempt{};
        }
    }
    tcp.expires_never();

    auto& upstream = parser.get();
    const unsigned status = upstream.result_int();
    if (status == 401 || status == 403) {
        // The backend refused the gateway's own credential: relayed, it would tell the client
        // that its key is wrong, and the backend's message may quote part of the backend key.
        backend_.metrics().count(UpstreamError::auth_refused);
        co_await respond_error(api::upstream_auth_failed(backend_.name()));
        co_return Attempt{.reusable = parser.keep_alive()};
    }
    if (status >= 400 &&
        !(is_json(upstream.base()) && api::inspect_response_body(upstream.body()).valid_json)) {
        // An error page that is not JSON (a proxy's HTML 503): the status and its Retry-After
        // stay, the page (internal names, stack traces) does not.
        std::string retry_after;
        if (const auto found = upstream.find(http::field::retry_after); found != upstream.end()) {
            retry_after.append("Retry-After: ").append(found->value()).append("\r\n");
        }
        co_await respond_error(api::upstream_error(backend_.name(), status), retry_after);
        co_return Attempt{.reusable = parser.keep_alive()};
    }
    if (status >= 200 && status < 300) {
        const api::ResponseBody inspected =
            is_json(upstream.base()) ? api::inspect_response_body(upstream.body())
                                     : api::ResponseBody{};
        if (!inspected.valid_json) {
            backend_.metrics().count(UpstreamError::protocol);
            co_await respond_error(
                api::upstream_invalid_response(backend_.name(), "the body is not a JSON object"));
            co_return Attempt{.reusable = parser.keep_alive()};
        }
        done_.usage = inspected.usage;
    }
    done_.status = status;
    done_.bytes_out = upstream.body().size();
    std::string& head = client_.head_buffer;
    head.clear();
    append_proxied_head(head, {upstream.base(), client_, ctx_.request_id, upstream.body().size(), false,
                               ctx_.response_headers});
    // Written by run() once the upstream connection is back in the pool: a client that reads
    // slowly holds no upstream connection. The body string is moved, not copied.
    reply_body_ = std::move(upstream.body());
    reply_pending_ = true;
    co_return Attempt{.reusable = parser.keep_alive()};
}

net::awaitable<void> ProxyCall::write_reply() {
    const std::array<net::const_buffer, 2> response{net::buffer(client_.head_buffer),
                                                    net::buffer(reply_body_)};
    const beast::error_code ec =
        co_await write_bytes(client_, response, ctx_.snapshot.config.server.write_timeout);
    if (ec) client_gone();
}

api::Error ProxyCall::error_for(UpstreamError kind) const {
    switch (kind) {
        case UpstreamError::connect_timeout:
        case UpstreamError::first_byte_timeout:
        case UpstreamError::idle_timeout:
        case UpstreamError::total_timeout:
            return api::upstream_timeout(backend_.name());
        case UpstreamError::protocol:
            return api::upstream_invalid_response(backend_.name(), "malformed HTTP or event stream");
        case UpstreamError::too_large:
            return api::upstream_invalid_response(backend_.name(), "the response exceeds the size limit");
        case UpstreamError::pool_timeout:
            return api::upstream_overloaded(backend_.name());
        default:
            return api::upstream_unavailable(backend_.name());
    }
}

net::awaitable<void> ProxyCall::fail_before_head(UpstreamError kind) {
    if (watch_->client_gone()) {
        client_gone();
        co_return;
    }
    backend_.metrics().count(kind);
    co_await respond_error(error_for(kind));
}

net::awaitable<void> ProxyCall::respond_error(const api::Error& error,
                                              std::string_view extra_headers) {
    done_.status = error.status;
    done_.code = error.code;
    if (!extra_headers.empty()) ctx_.response_headers.append(extra_headers);
    Response response = make_error_response(error, client_, ctx_.request_id, ctx_.response_headers);
    done_.bytes_out = response.body().size();
    const beast::error_code ec =
        co_await write_response(client_, response, ctx_.snapshot.config.server.write_timeout);
    if (ec) client_gone();
}

}  // namespace detail

net::awaitable<pipeline::Completion> proxy_request(Worker& worker, ClientConnection& client,
                                                   pipeline::RequestContext& ctx) {
    detail::ProxyCall call(worker, client, ctx);
    co_return co_await call.run();
}

}  // namespace infergate::server
