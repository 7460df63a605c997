#include "infergate/server/proxy_call.hpp"

#include <array>
#include <algorithm>
#include <cstring>

#include "infergate/api/response_body.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/server/client_watch.hpp"
#include "infergate/server/responses.hpp"
#include "infergate/server/worker.hpp"
#include "infergate/streaming/sse.hpp"
#include "infergate/upstream/headers.hpp"

namespace infergate::server {
namespace {

using observability::UpstreamError;
using pipeline::Clock;
using pipeline::Completion;

constexpr std::size_t kRelayBufferStart = 16 * 1024;
constexpr std::size_t kUpstreamHeaderLimit = 64 * 1024;

bool is_reset(const beast::error_code& ec) {
    return ec == net::error::eof || ec == http::error::end_of_stream ||
           ec == http::error::partial_message || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::connection_aborted ||
           ec == ssl::error::stream_truncated;
}

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

// How one attempt on one connection ended.
struct Attempt {
    bool retry_on_fresh = false;  // a reused connection failed before any response byte
    bool reusable = false;        // response read to the end on a keep-alive connection
};

class ProxyCall {
public:
    ProxyCall(Worker& worker, ClientConnection& client, pipeline::RequestContext& ctx)
        : worker_(worker), client_(client), ctx_(ctx),
          backend_(*ctx.target->backend), settings_(backend_.settings()) {}

    net::awaitable<Completion> run() {
        upstream::ConnectionPool& pool = worker_.pool_for(ctx_.target->backend);
        ClientWatch watch(client_.stream.socket());
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
            upstream::Connection& connection = *acquired.connection;
            watch.set_upstream(&connection);
            const bool reused = acquired.reused;
            const Attempt result = co_await connection.visit(
                [&](auto& stream) { return exchange(stream, connection, reused); });
            watch.set_upstream(nullptr);
            if (result.reusable) ++connection.exchanges;
            pool.release(std::move(acquired.connection), result.reusable);
            if (!result.retry_on_fresh) break;
        }
        watch_ = nullptr;
        co_return std::move(done_);
    }

private:
    Clock::duration within_deadline(config::Duration limit) const {
        const auto left = deadline_ - Clock::now();
        return std::max<Clock::duration>(Clock::duration::zero(), std::min<Clock::duration>(limit, left));
    }

    UpstreamError timeout_kind(UpstreamError phase) const {
        return Clock::now() >= deadline_ ? UpstreamError::total_timeout : phase;
    }

    template <class Stream>
    net::awaitable<Attempt> exchange(Stream& stream, upstream::Connection& connection, bool reused) {
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

    UpstreamError classify(const beast::error_code& ec, UpstreamError timeout_phase) const {
        if (ec == beast::error::timeout) return timeout_kind(timeout_phase);
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
            return UpstreamError::too_large;
        }
        if (is_reset(ec) || ec == net::error::operation_aborted) return UpstreamError::reset;
        return UpstreamError::protocol;
    }

    template <class Stream>
    net::awaitable<Attempt> relay_body(Stream& stream, upstream::Connection& connection,
                                       http::response_parser<http::buffer_body>& head_parser) {
        http::response_parser<http::string_body> parser{std::move(head_parser)};
        parser.body_limit(settings_.max_response_bytes);
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
        const Attempt attempt{.reusable = parser.keep_alive()};
        // The body is written straight from the parser's string: no copy, no move.
        std::string& head = client_.head_buffer;
        head.clear();
        append_proxied_head(head, {upstream.base(), client_, ctx_.request_id, upstream.body().size()});
        const std::array<net::const_buffer, 2> response{net::buffer(head), net::buffer(upstream.body())};
        client_.stream.expires_after(ctx_.snapshot.config.server.write_timeout);
        auto [ec, written] = co_await net::async_write(client_.stream, response, use_tuple);
        client_.stream.expires_never();
        if (ec) client_gone();
        co_return attempt;
    }

    template <class Stream>
    net::awaitable<Attempt> relay_stream(Stream& stream, upstream::Connection& connection,
                                         http::response_parser<http::buffer_body>& parser) {
        const auto write_timeout = ctx_.snapshot.config.server.write_timeout;
        const bool chunked = client_.version >= 11;
        if (!chunked) client_.keep_alive = false;  // HTTP/1.0: the body ends with the connection
        // The head waits for the first events and goes out in the same write. Until then the
        // status can still change: a failure before any event is answered as a plain error.
        client_.head_buffer.clear();
        append_proxied_head(client_.head_buffer,
                            {parser.get().base(), client_, ctx_.request_id, std::nullopt, true});
        head_pending_ = true;
        done_.status = parser.get().result_int();

        // One buffer per connection, reused by every stream: no allocation per event or read.
        std::string& relay = client_.relay_buffer;
        if (relay.size() < kRelayBufferStart) relay.resize(kRelayBufferStart);
        std::size_t pending = 0;
        bool saw_done = false;
        auto& tcp = connection.tcp();
        std::optional<UpstreamError> failure;
        bool finished = false;  // the terminating chunk went out with the last events

        for (;;) {
            if (pending == relay.size()) {
                // A single event fills the buffer: grow up to the per-event cap, then give up.
                if (relay.size() >= settings_.max_event_bytes) {
                    failure = UpstreamError::too_large;
                    break;
                }
                relay.resize(std::min(relay.size() * 2, settings_.max_event_bytes));
            }
            parser.get().body().data = relay.data() + pending;
            parser.get().body().size = relay.size() - pending;
            tcp.expires_after(within_deadline(settings_.timeouts.idle));
            auto [ec, n] = co_await http::async_read_some(stream, connection.buffer, parser, use_tuple);
            if (ec == http::error::need_buffer) ec = {};
            // One socket read may hold several upstream chunks; async_read_some stops at each.
            // Decode what is already here so it goes to the client in one write.
            while (!ec && !parser.is_done() && connection.buffer.size() > 0 &&
                   parser.get().body().size > 0) {
                beast::error_code put_ec;
                const std::size_t used = parser.put(connection.buffer.data(), put_ec);
                connection.buffer.consume(used);
                if (put_ec == http::error::need_more || put_ec == http::error::need_buffer || used == 0) break;
                ec = put_ec;
            }
            pending = relay.size() - parser.get().body().size;

            // Forward every complete event; keep a partial one at the front of the buffer.
            std::size_t consumed = 0;
            for (;;) {
                const std::size_t length =
                    sse::find_event_end(std::string_view(relay.data() + consumed, pending - consumed));
                if (length == sse::npos) break;
                on_event(std::string_view(relay.data() + consumed, length), saw_done);
                consumed += length;
            }
            if (consumed > 0) {
                // The stream's last events and its terminating chunk share one write.
                finished = !ec && parser.is_done() && saw_done && consumed == pending;
                // Backpressure: the next upstream read waits for this write.
                // Awaited into a local: GCC 12 miscompiles `if (co_await ...)` in coroutines.
                const bool written = co_await write_to_client(net::buffer(relay.data(), consumed),
                                                              chunked, write_timeout, finished);
                if (!written) co_return Attempt{};
                std::memmove(relay.data(), relay.data() + consumed, pending - consumed);
                pending -= consumed;
            }
            if (ec) {
                failure = classify(ec, UpstreamError::idle_timeout);
                break;
            }
            if (parser.is_done()) break;
        }
        tcp.expires_never();
        if (watch_->client_gone()) {
            client_gone();
            co_return Attempt{};
        }
        if (!failure && !saw_done) failure = UpstreamError::protocol;  // ended without [DONE]
        if (failure) {
            co_await end_stream_with_error(*failure, chunked, write_timeout);
            co_return Attempt{};
        }
        if (pending > 0) {  // bytes after the last complete event: pass them on as they are
            const bool written =
                co_await write_to_client(net::buffer(relay.data(), pending), chunked, write_timeout);
            if (!written) co_return Attempt{};
        }
        if (chunked && !finished) {
            client_.stream.expires_after(write_timeout);
            auto [ec, n] = co_await net::async_write(client_.stream, http::make_chunk_last(), use_tuple);
            if (ec) client_gone();
        }
        co_return Attempt{.reusable = parser.keep_alive() && parser.is_done()};
    }

    void on_event(std::string_view event, bool& saw_done) {
        const auto data = sse::first_data(event);
        if (!data) return;  // comments and keep-alives
        if (*data == "[DONE]") {
            saw_done = true;
            return;
        }
        ++done_.events_relayed;
        if (data->find("\"usage\":{") != std::string_view::npos ||
            data->find("\"usage\": {") != std::string_view::npos) {
            if (auto usage = sse::find_usage(*data)) done_.usage = usage;
        }
    }

    net::awaitable<bool> write_to_client(net::const_buffer bytes, bool chunked,
                                         config::Duration timeout, bool last = false) {
        const net::const_buffer head =
            head_pending_ ? net::buffer(client_.head_buffer) : net::const_buffer();
        head_pending_ = false;
        client_.stream.expires_after(timeout);
        beast::error_code ec;
        if (chunked && last) {
            std::tie(ec, std::ignore) = co_await net::async_write(
                client_.stream,
                beast::buffers_cat(head, http::make_chunk(bytes), http::make_chunk_last()),
                use_tuple);
        } else if (chunked) {
            std::tie(ec, std::ignore) = co_await net::async_write(
                client_.stream, beast::buffers_cat(head, http::make_chunk(bytes)), use_tuple);
        } else {
            const std::array<net::const_buffer, 2> raw{head, bytes};
            std::tie(ec, std::ignore) = co_await net::async_write(client_.stream, raw, use_tuple);
        }
        client_.stream.expires_never();
        if (ec) {
            client_gone();
            co_return false;
        }
        if (!done_.first_event_at) done_.first_event_at = Clock::now();
        done_.bytes_out += bytes.size();
        co_return true;
    }

    // After the head was sent the status cannot change: the stream ends with an error event,
    // no [DONE], and no terminating chunk, so the client can tell it was cut.
    net::awaitable<void> end_stream_with_error(UpstreamError kind, bool chunked,
                                               config::Duration timeout) {
        backend_.metrics().count(kind);
        const api::Error error = error_for(kind);
        if (head_pending_) {  // nothing sent yet: a plain error response is still possible
            head_pending_ = false;
            co_await respond_error(error);
            co_return;
        }
        done_.code = error.code;
        std::string event = "data: " + api::render_error(error) + "\n\n";
        co_await write_to_client(net::buffer(event), chunked, timeout);
        client_.keep_alive = false;
    }

    api::Error error_for(UpstreamError kind) const {
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

    net::awaitable<void> fail_before_head(UpstreamError kind) {
        if (watch_->client_gone()) {
            client_gone();
            co_return;
        }
        backend_.metrics().count(kind);
        co_await respond_error(error_for(kind));
    }

    net::awaitable<void> respond_error(const api::Error& error) {
        done_.status = error.status;
        done_.code = error.code;
        Response response = make_error_response(error, client_, ctx_.request_id);
        done_.bytes_out = response.body().size();
        const beast::error_code ec =
            co_await write_response(client_, response, ctx_.snapshot.config.server.write_timeout);
        if (ec) client_gone();
    }

    void client_gone() {
        done_.client_disconnected = true;
        client_.keep_alive = false;
    }

    Worker& worker_;
    ClientConnection& client_;
    pipeline::RequestContext& ctx_;
    const upstream::Backend& backend_;
    const config::Backend& settings_;
    Completion done_;
    ClientWatch* watch_ = nullptr;
    Clock::time_point deadline_;
    bool head_pending_ = false;  // a stream's head is built but not yet written
};

}  // namespace

net::awaitable<Completion> proxy_request(Worker& worker, ClientConnection& client,
                                         pipeline::RequestContext& ctx) {
    ProxyCall call(worker, client, ctx);
    co_return co_await call.run();
}

}  // namespace infergate::server
