// ProxyCall: one routed request's exchange with its backend. Private to src/server/: the
// non-streaming path lives in proxy_call.cpp, the SSE relay in stream_relay.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "infergate/net.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/pipeline/request_context.hpp"
#include "infergate/server/client_connection.hpp"
#include "infergate/server/client_watch.hpp"
#include "infergate/upstream/backend.hpp"
#include "infergate/upstream/connection.hpp"

namespace infergate::server {
class Worker;
}

namespace infergate::server::detail {

using observability::UpstreamError;
using pipeline::Clock;
using pipeline::Completion;

// How one attempt on one connection ended.
struct Attempt {
    bool retry_on_fresh = false;  // a reused connection failed before any response byte
    bool reusable = false;        // response read to the end on a keep-alive connection
};

class ProxyCall {
public:
    ProxyCall(Worker& worker, ClientConnection& client, pipeline::RequestContext& ctx);

    // Acquires a connection, exchanges, releases; retries once on a fresh connection when a
    // pooled one turned out dead before answering.
    net::awaitable<Completion> run();

    // Streams the rest of an SSE answer whose head `parser` has read (stream_relay.cpp).
    template <class Stream>
    net::awaitable<Attempt> relay_stream(Stream& stream, upstream::Connection& connection,
                                         http::response_parser<http::buffer_body>& parser);

private:
    template <class Stream>
    net::awaitable<Attempt> exchange(Stream& stream, upstream::Connection& connection, bool reused);
    template <class Stream>
    net::awaitable<Attempt> relay_body(Stream& stream, upstream::Connection& connection,
                                       http::response_parser<http::buffer_body>& head_parser);

    // Reads what the gateway needs from one event; false: do not forward it.
    bool on_event(std::string_view event, bool& saw_done);
    net::awaitable<bool> write_to_client(net::const_buffer bytes, bool chunked,
                                         config::Duration timeout, bool last = false);
    // Ends a stream with an SSE error event (or, before the head went out, a plain error).
    net::awaitable<void> end_stream_with(const api::Error& error, bool chunked, config::Duration timeout);
    net::awaitable<void> end_stream_with_error(UpstreamError kind, bool chunked,
                                               config::Duration timeout);
    net::awaitable<void> write_reply();  // the non-streamed response relay_body() read
    net::awaitable<void> fail_before_head(UpstreamError kind);
    // `extra_headers`: CRLF-terminated lines added to the request's own (rate-limit) headers.
    net::awaitable<void> respond_error(const api::Error& error,
                                       std::string_view extra_headers = {});

    UpstreamError classify(const beast::error_code& ec, UpstreamError timeout_phase) const;
    api::Error error_for(UpstreamError kind) const;

    // The per-phase limit, never past the exchange's total deadline.
    Clock::duration within_deadline(config::Duration limit) const {
        const auto left = deadline_ - Clock::now();
        return std::max<Clock::duration>(Clock::duration::zero(),
                                         std::min<Clock::duration>(limit, left));
    }
    UpstreamError timeout_kind(UpstreamError phase) const {
        return Clock::now() >= deadline_ ? UpstreamError::total_timeout : phase;
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
    bool stream_capped_ = false; // the caller's max_stream_tokens was reached: cut the stream
    std::string reply_body_;     // with client_.head_buffer: the response write_reply() sends
    bool reply_pending_ = false;
};

// An upstream stream that ends for one of these reasons ended early, not with an error in it.
bool is_reset(const beast::error_code& ec);

}  // namespace infergate::server::detail
