// The streaming half of a proxied call: SSE events relayed from the upstream to the client as
// they arrive, through one reused buffer, with backpressure and a clean cut on failure.
#include <algorithm>
#include <array>
#include <cstring>

#include "infergate/config/snapshot.hpp"
#include "infergate/server/responses.hpp"
#include "infergate/stages/cache/cache_fill.hpp"
#include "infergate/stages/quota/quota_stage.hpp"
#include "infergate/stages/transform/messages_ingress_errors.hpp"
#include "infergate/stages/transform/stream_translation.hpp"
#include "infergate/streaming/sse.hpp"
#include "infergate/upstream/response_reading.hpp"
#include "server/proxy_call_impl.hpp"

namespace infergate::server::detail {

namespace {
constexpr std::size_t kRelayBufferStart = 16 * 1024;
// Events before the first output (the role chunk, empty deltas) are held back, so that an
// upstream failing early can still be replaced by another attempt. Up to this much.
constexpr std::size_t kHoldBytes = 8 * 1024;
}  // namespace

template <class Stream>
net::awaitable<Attempt> ProxyCall::relay_stream(Stream& stream, upstream::Connection& connection,
                                     http::response_parser<http::buffer_body>& parser) {
    const auto write_timeout = ctx_.snapshot.config.server.write_timeout;
    const bool chunked = client_.version >= 11;
    if (!chunked) client_.keep_alive = false;  // HTTP/1.0: the body ends with the connection
    // The head waits for the first events and goes out in the same write. Until then the
    // status can still change: a failure before any event is answered as a plain error.
    client_.head_buffer.clear();
    append_proxied_head(client_.head_buffer,
                        {parser.get().base(), client_, ctx_.request_id, std::nullopt, true,
                         ctx_.response_headers, served_model(), backend_->name()});
    head_pending_ = true;
    done_.status = parser.get().result_int();
    if (ctx_.cache_fill) ctx_.cache_fill->on_stream_start();  // response cache: this attempt's events only

    // One buffer per connection, reused by every stream: no allocation per event or read.
    std::string& relay = client_.relay_buffer;
    if (relay.size() < kRelayBufferStart) relay.resize(kRelayBufferStart);
    std::size_t pending = 0;
    // A provider that is not OpenAI-compatible: its events are translated, as they arrive, into
    // a second buffer, and that one is what the client is sent.
    const auto created = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    translation_ = transform::make_stream_translation(
        ctx_.upstream.wire,
        {.created = created, .include_usage = ctx_.upstream.include_usage, .backend = backend_->name()});
    const bool translating = translation_ != nullptr;
    std::string& translated = client_.translated_buffer;
    translated.clear();
    std::size_t held = 0;  // [0, held) of the client's events: seen, held back until the first output
    bool saw_done = false;
    std::optional<UpstreamError> failure;
    bool finished = false;  // the terminating chunk went out with the last events

    for (;;) {
        if (pending == relay.size()) {
            // A single event fills the buffer: grow up to the per-event cap, then give up.
            if (relay.size() >= settings_->max_event_bytes) {
                failure = UpstreamError::too_large;
                break;
            }
            relay.resize(std::min(relay.size() * 2, settings_->max_event_bytes));
        }
        parser.get().body().data = relay.data() + pending;
        parser.get().body().size = relay.size() - pending;
        auto read_limit = within_deadline(settings_->timeouts.idle);
        if (!content_seen_ && first_token_deadline_) {
            read_limit = std::min(read_limit, std::max<Clock::duration>(*first_token_deadline_ - Clock::now(), {}));
        }
        beast::error_code ec;
        for (;;) {  // until the parser moves on: what is buffered, else a socket read
            if (upstream::parse_buffered(parser, connection.buffer, ec)) break;
            upstream_deadline_->arm(read_limit);
            auto [read_ec, n] = co_await stream.async_read_some(upstream::read_room(connection.buffer), use_tuple);
            if (!upstream::settle_read(parser, connection.buffer, n, read_ec, ec)) break;
        }
        if (ec == http::error::need_buffer) ec = {};
        // One socket read may hold several upstream chunks; the parser stops at each.
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

        // The client's events: the upstream's own, or their translation.
        char* events = relay.data();
        std::size_t length = pending;
        if (translating) {
            pending = translate_events(relay, pending, translated, !ec && parser.is_done());
            if (const auto usage = translation_->usage()) done_.usage = usage;
            // The translation knows the end: [DONE] for an OpenAI client, message_stop for
            // an Anthropic one.
            saw_done = translation_->finished() && !translation_->error();
            if (client_speaks_anthropic() && translation_->started()) content_seen_ = true;
            events = translated.data();
            length = translated.size();
        }
        // Forward every complete event; keep a partial one at the front of the buffer.
        std::size_t consumed = held;
        while (!stream_capped_) {
            const std::size_t size =
                sse::find_event_end(std::string_view(events + consumed, length - consumed));
            if (size == sse::npos) break;
            const std::string_view event(events + consumed, size);
            const bool forwarded = client_speaks_anthropic() ? count_event() : on_event(event, saw_done);
            if (forwarded) {
                consumed += size;
            } else {  // hidden from the client: close the gap
                std::memmove(events + consumed, events + consumed + size, length - consumed - size);
                length -= size;
            }
        }
        // Until the first output, events wait (bounded) unless the stream is over.
        const bool translation_failed = translating && translation_->error();
        const bool hold = !content_seen_ && !parser.is_done() && !translation_failed && consumed < kHoldBytes;
        held = hold ? consumed : 0;
        if (translation_failed && head_pending_) {
            // The provider's error came before any output: a plain error answer, which another
            // attempt may still replace (Anthropic's overloaded_error is a retryable 503).
            head_pending_ = false;
            respond_error(*translation_->error());
            co_return Attempt{.status = translation_->error()->status};
        }
        if (consumed > 0 && !hold) {
            // The stream's last events and its terminating chunk share one write.
            finished = !ec && parser.is_done() && saw_done && consumed == length;
            // Backpressure: the next upstream read waits for this write.
            // Awaited into a local: GCC 12 miscompiles `if (co_await ...)` in coroutines.
            const bool written = co_await write_to_client(net::buffer(events, consumed),
                                                          chunked, write_timeout, finished);
            if (!written) co_return Attempt{};
            std::memmove(events, events + consumed, length - consumed);
            length -= consumed;
        }
        if (translating) {
            translated.resize(length);
        } else {
            pending = length;
        }
        if (translation_failed) {
            // The error event went out after what came before it: the stream ends, cut.
            done_.code = translation_->error()->code;
            client_.keep_alive = false;
            co_return Attempt{};
        }
        if (stream_capped_) break;
        if (ec) {
            const bool first_token_late =
                !content_seen_ && first_token_deadline_ && Clock::now() >= *first_token_deadline_;
            failure = classify(ec, first_token_late ? UpstreamError::first_token_timeout : UpstreamError::idle_timeout);
            break;
        }
        if (parser.is_done()) break;
    }
    if (stream_capped_) {  // what was relayed stays; the upstream is dropped mid-answer
        co_await end_stream_with(quota::stream_cap_error(ctx_), chunked, write_timeout);
        co_return Attempt{};
    }
    upstream_deadline_->disarm();
    if (watch_->client_gone()) {
        client_gone();
        co_return Attempt{};
    }
    if (!failure && !saw_done) failure = UpstreamError::protocol;  // ended without [DONE]
    if (failure) {
        // Nothing sent yet (the events were held): another attempt may still answer.
        const bool unsent = head_pending_;
        co_await end_stream_with_error(*failure, chunked, write_timeout);
        co_return unsent ? Attempt{.failure = failure} : Attempt{};
    }
    if (pending > 0 && !translating) {  // bytes after the last complete event: pass them on as they are
        const bool written =
            co_await write_to_client(net::buffer(relay.data(), pending), chunked, write_timeout);
        if (!written) co_return Attempt{};
    }
    if (chunked && !finished) {
        const beast::error_code ec = co_await write_bytes(client_, http::make_chunk_last(), write_timeout);
        if (ec) client_gone();
    }
    co_return Attempt{.reusable = parser.keep_alive() && parser.is_done()};
}

std::size_t ProxyCall::translate_events(std::string& upstream, std::size_t pending, std::string& out,
                                        bool body_ended) {
    std::size_t used = 0;
    while (!translation_->finished()) {
        const std::size_t size = sse::find_event_end(std::string_view(upstream.data() + used, pending - used));
        if (size == sse::npos) break;
        translation_->on_event(std::string_view(upstream.data() + used, size), out);
        used += size;
    }
    if (body_ended && !translation_->finished()) translation_->on_body_end(out);
    if (translation_->finished()) used = pending;  // nothing after the end or an error counts
    std::memmove(upstream.data(), upstream.data() + used, pending - used);
    return pending - used;
}

bool ProxyCall::count_event() {
    ++done_.events_relayed;
    if (quota::stream_cap_exceeded(ctx_, done_.events_relayed)) {
        --done_.events_relayed;  // this event is not sent
        stream_capped_ = true;
        return false;
    }
    return true;
}

bool ProxyCall::on_event(std::string_view event, bool& saw_done) {
    if (ctx_.cache_fill) ctx_.cache_fill->on_event(event);  // response cache: every event the client is sent
    const auto data = sse::first_data(event);
    if (!data) return true;  // comments and keep-alives
    if (*data == "[DONE]") {
        saw_done = true;
        return true;
    }
    if (!content_seen_ && sse::carries_content(*data)) content_seen_ = true;
    if (auto usage = sse::find_usage(*data)) {
        done_.usage = usage;
        // The usage-only chunk the gateway asked for on the client's behalf stays here.
        if (ctx_.inject_stream_usage && data->find("\"choices\":[]") != std::string_view::npos) return false;
    }
    return count_event();
}

net::awaitable<bool> ProxyCall::write_to_client(net::const_buffer bytes, bool chunked,
                                                config::Duration timeout, bool last) {
    const net::const_buffer head =
        head_pending_ ? net::buffer(client_.head_buffer) : net::const_buffer();
    head_pending_ = false;
    committed_ = true;
    beast::error_code ec;
    if (chunked && last) {
        ec = co_await write_bytes(
            client_, beast::buffers_cat(head, http::make_chunk(bytes), http::make_chunk_last()), timeout);
    } else if (chunked) {
        ec = co_await write_bytes(client_, beast::buffers_cat(head, http::make_chunk(bytes)), timeout);
    } else {
        const std::array<net::const_buffer, 2> raw{head, bytes};
        ec = co_await write_bytes(client_, raw, timeout);
    }
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
net::awaitable<void> ProxyCall::end_stream_with_error(UpstreamError kind, bool chunked,
                                                      config::Duration timeout) {
    backend_->metrics().count(kind);
    co_await end_stream_with(error_for(kind), chunked, timeout);
}

net::awaitable<void> ProxyCall::end_stream_with(const api::Error& error, bool chunked, config::Duration timeout) {
    if (head_pending_) {  // nothing sent yet: a plain error response is still possible
        head_pending_ = false;
        respond_error(error);
        co_return;
    }
    done_.code = error.code;
    std::string event;
    if (client_speaks_anthropic()) {
        transform::messages_ingress::append_error_event(event, error);
    } else {
        event = "data: " + api::render_error(error) + "\n\n";
    }
    co_await write_to_client(net::buffer(event), chunked, timeout);
    client_.keep_alive = false;
}

// exchange() in proxy_call.cpp calls relay_stream for both kinds of upstream stream.
template net::awaitable<Attempt> ProxyCall::relay_stream<upstream::Connection::Plain>(
    upstream::Connection::Plain&, upstream::Connection&, http::response_parser<http::buffer_body>&);
template net::awaitable<Attempt> ProxyCall::relay_stream<upstream::Connection::Tls>(
    upstream::Connection::Tls&, upstream::Connection&, http::response_parser<http::buffer_body>&);

}  // namespace infergate::server::detail
