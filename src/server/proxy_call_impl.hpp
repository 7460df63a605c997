// ProxyCall: one routed request's exchanges with its backends. Private to src/server/: the
// attempt loop (retries, fallbacks) and the non-streaming path live in proxy_call.cpp, the
// SSE relay in stream_relay.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "infergate/common/socket_deadline.hpp"
#include "infergate/net.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/pipeline/request_context.hpp"
#include "infergate/server/client_connection.hpp"
#include "infergate/server/client_watch.hpp"
#include "infergate/stages/routing/target_picker.hpp"
#include "infergate/stages/transform/stream_translation.hpp"
#include "infergate/upstream/backend.hpp"
#include "infergate/upstream/connection.hpp"

namespace infergate::server {
class Worker;
}

namespace infergate::server::detail {

using observability::UpstreamError;
using pipeline::Clock;
using pipeline::Completion;

// How one exchange on one connection ended.
struct Attempt {
    bool retry_on_fresh = false;  // a reused connection failed before any response byte
    bool reusable = false;        // response read to the end on a keep-alive connection
    // Why the attempt failed, if it did, while nothing had reached the client: what decides
    // whether another target (or model) is tried.
    std::optional<UpstreamError> failure = std::nullopt;  // no usable response
    unsigned status = 0;                   // the upstream's own status (0: none)
    bool context_length = false;           // a 400 about the prompt being too long
    std::optional<config::Duration> retry_after = std::nullopt;  // the upstream's Retry-After
};

class ProxyCall {
public:
    ProxyCall(Worker& worker, ClientConnection& client, pipeline::RequestContext& ctx);

    // Tries the routed target, then others and the model's fallbacks as the route's retry
    // and fallback policies allow, and answers the client with the last attempt's outcome.
    net::awaitable<Completion> run();

    // Streams the rest of an SSE answer whose head `parser` has read (stream_relay.cpp).
    template <class Stream>
    net::awaitable<Attempt> relay_stream(Stream& stream, upstream::Connection& connection,
                                         http::response_parser<http::buffer_body>& parser);

private:
    // One attempt on ctx_.target: its admission, a pooled connection (a fresh one if a
    // pooled one turns out dead), the exchange; the target's load and breaker are updated.
    net::awaitable<Attempt> attempt();
    template <class Stream>
    net::awaitable<Attempt> exchange(Stream& stream, upstream::Connection& connection, bool reused);
    template <class Stream>
    net::awaitable<Attempt> relay_body(Stream& stream, upstream::Connection& connection,
                                       http::response_parser<http::buffer_body>& head_parser);
    routing::AdmissionRequest admission_request() const;
    void note_provider_limits(const http::fields& fields) const;
    // Moves to `choice` (another target, maybe of another route) for the next attempt.
    void switch_target(const routing::TargetChoice& choice);
    // Whether `result` may be retried on this route / answered by a fallback model.
    bool should_retry(const Attempt& result, unsigned tries) const;
    // The attempt failed on its backend key alone (refused, or rate-limited) and the backend
    // has another key ready now.
    bool key_failed_alone(const Attempt& result) const;
    void forget_answer();  // the failed attempt's answer, so that the next one's is sent
    net::awaitable<void> pause_before_retry(const Attempt& result, unsigned tries, bool same_target);

    // Translates the complete events of upstream[0, pending) onto `out`, and moves the rest
    // (a partial event) to the front; returns its size. `body_ended`: nothing more will come.
    std::size_t translate_events(std::string& upstream, std::size_t pending, std::string& out, bool body_ended);
    // Counts an event the client is sent; false: the stream cap was reached (not sent). All a
    // client of Anthropic's API needs: its stream's end and usage come from the translation.
    bool count_event();
    bool client_speaks_anthropic() const { return ctx_.endpoint == api::Endpoint::messages; }
    // Reads what the gateway needs from one event; false: do not forward it.
    bool on_event(std::string_view event, bool& saw_done);
    net::awaitable<bool> write_to_client(net::const_buffer bytes, bool chunked,
                                         config::Duration timeout, bool last = false);
    // Ends a stream with an SSE error event (or, before the head went out, a plain error).
    net::awaitable<void> end_stream_with(const api::Error& error, bool chunked, config::Duration timeout);
    net::awaitable<void> end_stream_with_error(UpstreamError kind, bool chunked,
                                               config::Duration timeout);
    // A non-streamed answer (or error) in the client's format when the backend speaks another,
    // for write_reply() / write_error().
    Attempt translate_reply(http::response<http::string_body>& upstream, bool keep_alive);
    net::awaitable<void> write_reply();  // the non-streamed response relay_body() read
    net::awaitable<void> write_error();  // the error respond_error() chose
    // The attempt failed before a response head: the error answer, unless the client left.
    Attempt fail_before_head(UpstreamError kind);
    // Chooses the error answer (written by run() once no other attempt follows).
    // `extra_headers`: CRLF-terminated lines added to the request's own (rate-limit) headers.
    void respond_error(const api::Error& error, std::string_view extra_headers = {});

    // The public model the current attempt serves: the route's, or for the "*" route the name
    // the client asked for.
    std::string_view served_model() const {
        return ctx_.route->passthrough ? std::string_view(ctx_.request.model) : std::string_view(ctx_.route->model);
    }

    UpstreamError classify(const beast::error_code& ec, UpstreamError timeout_phase) const;
    // The exchange's deadline cancelled the operation that failed with `ec`.
    bool timed_out(const beast::error_code& ec) const {
        return upstream_deadline_ != nullptr && upstream_deadline_->caused(ec);
    }
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
    const upstream::Backend* backend_;   // ctx_.target's
    const config::Backend* settings_;
    Completion done_;
    ClientWatch* watch_ = nullptr;
    Clock::time_point deadline_;
    // The current exchange's deadline, its upstream connection's, moved on before each read
    // or write. Lazy (see SocketDeadline): one timer wait serves them all, where beast's
    // per-op expiry scheduled and cancelled a timer for each, ten times in an 8-chunk stream.
    SocketDeadline* upstream_deadline_ = nullptr;
    std::optional<std::size_t> credential_;  // which of the backend's keys this attempt uses
    bool committed_ = false;     // bytes reached the client: no other attempt may follow
    bool head_pending_ = false;  // a stream's head is built but not yet written
    bool stream_capped_ = false; // the caller's max_stream_tokens was reached: cut the stream
    bool content_seen_ = false;  // a stream's first output went by: events flow freely now
    std::optional<Clock::time_point> first_token_deadline_;  // streams, with first_token_timeout
    std::string reply_body_;     // with client_.head_buffer: the response write_reply() sends
    bool reply_pending_ = false;
    std::optional<api::Error> error_;  // the answer write_error() sends
    std::string error_headers_;
    // The current attempt's stream translation, unless client and backend both speak OpenAI.
    std::unique_ptr<transform::StreamTranslation> translation_;
    Clock::time_point attempt_started_;
    std::string last_outcome_;    // of the attempt that just failed
    std::string failed_attempts_; // see Completion::failed_attempts
};

// An upstream stream that ends for one of these reasons ended early, not with an error in it.
bool is_reset(const beast::error_code& ec);

}  // namespace infergate::server::detail
