#include "infergate/server/proxy_call.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "infergate/api/response_body.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/server/responses.hpp"
#include "infergate/stages/cache/cache_fill.hpp"
#include "infergate/stages/routing/backoff.hpp"
#include "infergate/stages/transform/anthropic_errors.hpp"
#include "infergate/stages/transform/anthropic_response.hpp"
#include "infergate/stages/transform/anthropic_usage.hpp"
#include "infergate/json/scanner.hpp"
#include "infergate/stages/transform/gemini_errors.hpp"
#include "infergate/stages/transform/gemini_response.hpp"
#include "infergate/stages/transform/messages_ingress_errors.hpp"
#include "infergate/stages/transform/messages_ingress_response.hpp"
#include "infergate/stages/transform/transform_stage.hpp"
#include "infergate/server/worker.hpp"
#include "infergate/upstream/headers.hpp"
#include "infergate/upstream/response_reading.hpp"
#include "server/proxy_call_impl.hpp"

namespace infergate::server {
namespace detail {

using namespace std::string_view_literals;
namespace {

constexpr std::size_t kUpstreamHeaderLimit = 64 * 1024;
constexpr std::size_t kUpstreamJsonDepth = 128;  // as deep as the translators read answers

bool is_event_stream(const http::fields& fields) {
    const auto type = field_value(fields, http::field::content_type);
    return type && type->starts_with("text/event-stream");
}

bool is_json(const http::fields& fields) {
    const auto type = field_value(fields, http::field::content_type);
    return type && (type->starts_with("application/json") || type->find("+json") != std::string_view::npos);
}

// Whether the failure `result` describes is one `on` lists.
bool matches(const config::FailureMatch& on, const Attempt& result) {
    if (result.failure) {
        switch (*result.failure) {
            case UpstreamError::dns:
            case UpstreamError::connect_refused:
            case UpstreamError::connect_timeout:
            case UpstreamError::tls:
            case UpstreamError::pool_timeout:
            case UpstreamError::queue_full:
            case UpstreamError::queue_timeout:
                return on.connect_error;
            case UpstreamError::reset:
            case UpstreamError::protocol:
            case UpstreamError::too_large:
                return on.reset;
            case UpstreamError::first_byte_timeout:
            case UpstreamError::first_token_timeout:
            case UpstreamError::idle_timeout:
                return on.timeout;
            case UpstreamError::auth_refused:
                return true;  // another key or target may be accepted
            case UpstreamError::total_timeout:
            case UpstreamError::count:
                return false;
        }
    }
    if (result.context_length) return on.context_length;
    return std::any_of(on.statuses.begin(), on.statuses.end(), [&](unsigned status) {
        return status == result.status || (status == 0 && result.status >= 500);
    });
}

std::string failure_label(const Attempt& result) {
    if (result.failure) return std::string(observability::label(*result.failure));
    if (result.context_length) return "context_length";
    return std::to_string(result.status);
}

// An OpenAI error body about the prompt exceeding the model's context.
bool is_context_length_error(std::string_view body) {
    return body.find("context_length_exceeded") != std::string_view::npos ||
           body.find("maximum context length") != std::string_view::npos;
}

std::optional<std::int64_t> integer_header(const http::fields& fields, std::string_view name) {
    const auto found = fields.find(name);
    if (found == fields.end()) return std::nullopt;
    std::int64_t value = 0;
    const std::string_view text = found->value();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

std::optional<config::Duration> duration_header(const http::fields& fields, std::string_view name) {
    const auto found = fields.find(name);
    if (found == fields.end()) return std::nullopt;
    return routing::parse_reset_duration(found->value());
}

std::optional<config::Duration> retry_after_of(const http::fields& fields) {
    const auto found = fields.find(http::field::retry_after);
    if (found == fields.end()) return std::nullopt;
    return routing::parse_retry_after(found->value(), std::chrono::system_clock::now());
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
      backend_(ctx.target->backend.get()), settings_(&backend_->settings()) {}

net::awaitable<Completion> ProxyCall::run() {
    ClientWatch watch(worker_.client_watcher(), client_.stream.socket().native_handle());
    watch_ = &watch;
    deadline_ = Clock::now() + settings_->timeouts.total;
    const routing::Route& primary = *ctx_.route;
    primary.retry_budget->record_request(Clock::now());
    std::uint64_t tried = 0;      // targets of the current route this request failed on
    unsigned tries = 0;           // attempts on the current route
    std::size_t fallbacks_taken = 0;
    for (;;) {
        const Attempt result = co_await attempt();
        const bool failed = result.failure || result.status >= 400;
        if (!failed || committed_ || watch.client_gone()) break;
        last_outcome_ = failure_label(result);
        tried |= std::uint64_t{1} << ctx_.target_index;
        ++tries;
        const routing::Route& route = *ctx_.route;
        // No choice: every target was drained meanwhile.
        const auto choice = should_retry(result, tries) && route.retry_budget->try_retry(Clock::now())
                                ? routing::pick_target(route, ctx_.affinity_hash, tried, Clock::now())
                                : std::nullopt;
        if (choice) {
            // A Retry-After that rested only the key used is not the target's to honour.
            const bool same_target = choice->target == ctx_.target && !key_failed_alone(result);
            co_await pause_before_retry(result, tries, same_target);
            if (watch.client_gone()) break;
            ctx_.snapshot.metrics.retries.Add({{"model", route.model}, {"reason", failure_label(result)}})
                .Increment();
            switch_target(*choice);
            continue;
        }
        // Every try this model allows failed: its fallbacks, in order, each with its own tries
        // (one whose targets are all drained is passed over).
        std::optional<routing::TargetChoice> fallback;
        while (!fallback && fallbacks_taken < primary.fallbacks.size() &&
               matches(primary.settings->fallback.on, result) && Clock::now() < deadline_) {
            const routing::Route& next = *primary.fallbacks[fallbacks_taken++];
            fallback = routing::pick_target(next, ctx_.affinity_hash, 0, Clock::now());
            if (!fallback) continue;
            ctx_.snapshot.metrics.fallbacks.Add({{"model", primary.model}, {"fallback", next.model}}).Increment();
            ctx_.route = &next;
            tries = 0;
            tried = 0;
        }
        if (fallback) {
            switch_target(*fallback);
            continue;
        }
        break;
    }
    // A client whose FIN the watch saw (a half-close, or a close the response won the race
    // against) sends no further request: its connection is not kept alive.
    if (watch.client_gone()) {
        client_gone();
    } else if (reply_pending_) {
        co_await write_reply();
        if (ctx_.cache_fill) ctx_.cache_fill->on_body(std::move(reply_body_));  // response cache: the answer as sent
    } else if (error_) {
        co_await write_error();
    }
    watch_ = nullptr;
    done_.failed_attempts = std::move(failed_attempts_);
    co_return std::move(done_);
}

net::awaitable<Attempt> ProxyCall::attempt() {
    const routing::RouteTarget& target = *ctx_.target;
    routing::TargetState& state = *target.state;
    const auto started = Clock::now();
    attempt_started_ = started;
    first_token_deadline_.reset();
    const config::Duration first_token = ctx_.route->settings->first_token_timeout;
    if (ctx_.request.stream && first_token.count() > 0) first_token_deadline_ = started + first_token;
    if (ctx_.upstream.error) {
        // This target cannot serve the request at all (a fallback's provider lacks the endpoint).
        respond_error(*ctx_.upstream.error);
        co_return Attempt{.status = ctx_.upstream.error->status};
    }

    routing::CredentialPool* keys = backend_->credentials();
    credential_.reset();
    if (keys != nullptr) {
        credential_ = keys->pick(started);
        // A single key is always used: the provider's own answer is the best one to relay.
        if (!credential_ && keys->size() == 1) credential_ = 0;
        if (!credential_) {
            // Every key of this backend rests after a 429: the provider would refuse now.
            const auto back = keys->next_available();
            const auto wait = back ? std::chrono::ceil<std::chrono::seconds>(*back - started).count() : 1;
            const auto seconds = std::max<std::int64_t>(wait, 1);
            respond_error(api::rate_limited("Every credential of backend '" + backend_->name() +
                                            "' is rate-limited by the provider. Please try again in " +
                                            std::to_string(seconds) + "s."),
                          "Retry-After: " + std::to_string(seconds) + "\r\n");
            co_return Attempt{.status = 429, .retry_after = std::chrono::seconds(seconds)};
        }
    }

    // The backend's max_concurrency: wait (fairly, by priority) for a slot, or 429.
    std::optional<routing::Admission> slot = backend_->admission().try_admit(admission_request());
    if (!slot) {
        observability::BackendMetrics& metrics = backend_->metrics();
        metrics.queue_depth.Increment();
        routing::Admission waited = co_await backend_->admission().admit(admission_request());
        metrics.queue_depth.Decrement();
        metrics.queue_wait.Observe(std::chrono::duration<double>(waited.waited()).count());
        slot.emplace(std::move(waited));
    }
    if (!slot->admitted()) {
        if (watch_->client_gone()) {
            client_gone();
            co_return Attempt{};
        }
        const bool full = slot->result() == routing::AdmissionResult::queue_full;
        const UpstreamError kind = full ? UpstreamError::queue_full : UpstreamError::queue_timeout;
        backend_->metrics().count(kind);
        const auto seconds = std::max<std::int64_t>(
            std::chrono::ceil<std::chrono::seconds>(slot->retry_after()).count(), 1);
        const std::string why =
            slot->held_by_provider()
                ? "'s provider reported its rate limit used up" +
                      std::string(full ? ", and the queue of requests waiting for it is full." : " until later.")
                : " is at its concurrency limit" +
                      std::string(full ? " and its queue is full." : " and no slot freed in time.");
        api::Error error = api::rate_limited("Backend '" + backend_->name() + "'" + why + " Please try again in " +
                                             std::to_string(seconds) + "s.");
        error.code = "backend_saturated";
        respond_error(error, "Retry-After: " + std::to_string(seconds) + "\r\n");
        co_return Attempt{.failure = kind, .retry_after = std::chrono::seconds(seconds)};
    }

    // Held, not borrowed: a reload may retire the pool while this exchange still uses it.
    const upstream::ConnectionPoolPtr pool = worker_.pool_for(target.backend);
    state.load.begin();
    target.metrics->in_flight.Increment();
    Attempt result;
    for (int connection_try = 0; connection_try < 2; ++connection_try) {
        auto acquired = co_await pool->acquire(/*fresh_only=*/connection_try > 0);
        if (!acquired.connection) {
            if (watch_->client_gone()) {
                client_gone();
            } else {
                respond_error(error_for(acquired.kind));  // the pool counted it
                result = Attempt{.failure = acquired.kind};
            }
            break;
        }
        if (watch_->client_gone()) {
            // The client left while a connection was being found (a dial, a TLS handshake, a
            // queue): there was no upstream to close then, so send it nothing now.
            client_gone();
            pool->release(std::move(acquired.connection), /*reusable=*/true);
            break;
        }
        upstream::Connection& connection = *acquired.connection;
        watch_->set_upstream(&connection);
        const bool reused = acquired.reused;
        result = co_await connection.visit(
            [&](auto& stream) { return exchange(stream, connection, reused); });
        connection.deadline().disarm();  // the pool gets it back with nothing pending on it
        upstream_deadline_ = nullptr;
        watch_->set_upstream(nullptr);
        pool->release(std::move(acquired.connection), result.reusable);
        if (!result.retry_on_fresh) break;
    }
    target.metrics->in_flight.Decrement();
    const auto ended = Clock::now();
    // Latency for the balancers: to the response head (a stream's length says nothing about
    // the target's speed). A failure, a 5xx or a 429 counts as slow, however fast it came.
    const auto latency = done_.upstream_head_at && *done_.upstream_head_at >= started
                             ? *done_.upstream_head_at - started
                             : ended - started;
    if ((result.failure && !done_.client_disconnected) || result.status >= 500 || result.status == 429) {
        state.load.end_failed(latency, ended);
    } else {
        state.load.end(latency, ended);
    }

    if (keys != nullptr && credential_) {
        if (result.status == 429) {
            keys->rate_limited(*credential_, result.retry_after.value_or(std::chrono::seconds(5)), ended);
        } else if (result.failure == UpstreamError::auth_refused && keys->size() > 1) {
            // Another key may still be good; this one stays out of rotation until a reload.
            keys->rejected(*credential_);
            spdlog::warn("backend {}: credential #{} was refused (HTTP {}); it is out of rotation "
                         "until the config is reloaded", backend_->name(), *credential_ + 1, result.status);
        }
    }
    if (!done_.client_disconnected || result.failure) {
        // Outlier detection counts what says the target is unwell: no answer, or a 5xx. A 429
        // is the provider's rate limit, and a 4xx is the request's fault.
        const bool unwell = (result.failure && *result.failure != UpstreamError::auth_refused &&
                             *result.failure != UpstreamError::total_timeout) ||
                            result.status >= 500;
        const auto ejections = state.breaker.ejections();
        state.breaker.record(!unwell, ended);
        (unwell ? target.metrics->attempts_failed : target.metrics->attempts_ok).Increment();
        if (state.breaker.ejections() > ejections) {
            target.metrics->ejections.Increment();
            spdlog::warn("model {}: target {} ({}) ejected after failures", ctx_.route->model,
                         backend_->name(), target.upstream_model);
        }
    }
    co_return result;
}

void ProxyCall::note_provider_limits(const http::fields& fields) const {
    // Hosted providers say what is left of their rate limits (OpenAI's and Azure's names):
    // the backend's admission holds back what the provider would refuse.
    const auto requests = integer_header(fields, "x-ratelimit-remaining-requests");
    const auto tokens = integer_header(fields, "x-ratelimit-remaining-tokens");
    if (!requests && !tokens) return;
    backend_->admission().note_provider_limits(requests, tokens,
                                               duration_header(fields, "x-ratelimit-reset-requests"),
                                               duration_header(fields, "x-ratelimit-reset-tokens"));
}

void ProxyCall::switch_target(const routing::TargetChoice& choice) {
    // The failed attempt, for the access log: "backend=outcome:ms".
    if (!failed_attempts_.empty()) failed_attempts_.push_back(' ');
    failed_attempts_.append(backend_->name()).push_back('=');
    failed_attempts_.append(last_outcome_);
    failed_attempts_.append(fmt::format(":{:.1f}ms", std::chrono::duration<double, std::milli>(
                                                         Clock::now() - attempt_started_).count()));
    forget_answer();
    ctx_.target = choice.target;
    ctx_.target_index = choice.index;
    backend_ = choice.target->backend.get();
    settings_ = &backend_->settings();
    transform::prepare_upstream(ctx_);
}

void ProxyCall::forget_answer() {
    reply_pending_ = false;
    reply_body_.clear();
    error_.reset();
    error_headers_.clear();
    head_pending_ = false;
    content_seen_ = false;
    done_ = Completion{};
}

routing::AdmissionRequest ProxyCall::admission_request() const {
    const auth::Principal& caller = ctx_.principal;
    routing::AdmissionRequest request;
    request.tenant = caller.tenant;
    request.tenant_weight = caller.tenant_config != nullptr ? caller.tenant_config->share : 1;
    request.priority = caller.key != nullptr ? caller.key->priority : 1;
    if (caller.key != nullptr && caller.key->priority_header) {
        if (const auto found = ctx_.headers.find("x-priority"); found != ctx_.headers.end()) {
            const std::string_view band = found->value();
            if (band == "low") request.priority = 0;
            if (band == "normal") request.priority = 1;
            if (band == "high") request.priority = 2;
        }
    }
    request.deadline = deadline_;
    request.estimated_tokens = ctx_.prompt_estimate + ctx_.request.max_tokens.value_or(0);
    return request;
}

bool ProxyCall::key_failed_alone(const Attempt& result) const {
    if (!credential_ || (result.failure != UpstreamError::auth_refused && result.status != 429)) return false;
    const routing::CredentialPool* keys = backend_->credentials();
    if (keys == nullptr || keys->size() < 2) return false;
    const auto ready = keys->next_available();
    return ready && *ready <= Clock::now();
}

bool ProxyCall::should_retry(const Attempt& result, unsigned tries) const {
    if (Clock::now() >= deadline_) return false;
    const config::RetryPolicy& retry = ctx_.route->settings->retry;
    // A key's refusal or rate limit says nothing about the request or the target: another key
    // is tried whatever `attempts` allows (each such failure rests or drops a key, so this
    // ends). Otherwise a model with one target answered 502/429 while it had a usable key.
    return (tries < retry.attempts && matches(retry.on, result)) || key_failed_alone(result);
}

net::awaitable<void> ProxyCall::pause_before_retry(const Attempt& result, unsigned tries, bool same_target) {
    const config::RetryPolicy& retry = ctx_.route->settings->retry;
    auto delay = routing::backoff_delay(static_cast<int>(tries), retry.backoff_base, retry.backoff_max);
    // Back to the target that asked for a pause: honour it (within the backoff's ceiling and
    // the request's deadline). Another target need not wait for it.
    if (same_target && result.retry_after) delay = std::max(delay, std::min(*result.retry_after, retry.backoff_max));
    const auto left = std::chrono::duration_cast<config::Duration>(deadline_ - Clock::now());
    delay = std::min(delay, std::max(left, config::Duration::zero()));
    if (delay <= config::Duration::zero()) co_return;
    net::steady_timer timer(co_await net::this_coro::executor);
    timer.expires_after(delay);
    co_await timer.async_wait(use_tuple);
}

template <class Stream>
net::awaitable<Attempt> ProxyCall::exchange(Stream& stream, upstream::Connection& connection,
                                            bool reused) {
    // The head is assembled in a reused string and written with the body in one gather
    // write: no per-header allocation, no generic serializer. Header values come from
    // Beast's parser, which never yields CR or LF, so nothing can be injected.
    std::string& head = client_.head_buffer;
    head.clear();
    head.append("POST "sv).append(ctx_.upstream.target).append(" HTTP/1.1\r\nHost: "sv);
    head.append(backend_->host_header()).append("\r\n"sv);
    bool has_content_type = false;
    const std::string& provider_headers = backend_->provider_headers();
    const bool translated = ctx_.upstream.wire != pipeline::UpstreamRequest::Wire::openai;
    upstream::for_each_forwarded_request_header(
        ctx_.headers, [&](std::string_view name, std::string_view value) {
            // The provider's API version is the one its translation was written for.
            if (!provider_headers.empty() && beast::iequals(name, "anthropic-version")) return;
            if (ctx_.drops_upstream_header(name)) return;  // a request policy's
            // A translated body is JSON whatever the client labelled its own.
            if (beast::iequals(name, "content-type")) {
                if (translated) return;
                has_content_type = true;
            }
            head.append(name).append(": "sv).append(value).append("\r\n"sv);
        });
    if (!has_content_type) head.append("Content-Type: application/json\r\n"sv);
    head.append(provider_headers);
    head.append(ctx_.extra_upstream_headers);
    head.append("x-request-id: "sv).append(ctx_.request_id).append("\r\n"sv);
    if (!backend_->credential_header().empty()) {
        head.append(backend_->credential_header()).append(": "sv);
        head.append(backend_->credential_value(credential_.value_or(0)).reveal()).append("\r\n"sv);
    }
    // The body goes in three pieces: the client's bytes around the gateway's splice, uncopied.
    const pipeline::UpstreamRequest& sent = ctx_.upstream;
    head.append("Content-Length: "sv)
        .append(std::to_string(sent.body.size() + sent.splice.size() + sent.body_rest.size()));
    head.append("\r\n\r\n"sv);
    const std::array<net::const_buffer, 4> request{net::buffer(head), net::buffer(sent.body),
                                                   net::buffer(sent.splice), net::buffer(sent.body_rest)};

    // A stream with a first-token timeout must at least have its head by then.
    auto head_limit = within_deadline(settings_->timeouts.first_byte);
    if (first_token_deadline_) {
        head_limit = std::min(head_limit, std::max<Clock::duration>(*first_token_deadline_ - Clock::now(), {}));
    }
    const auto head_phase = [&] {
        return first_token_deadline_ && Clock::now() >= *first_token_deadline_ ? UpstreamError::first_token_timeout
                                                                               : UpstreamError::first_byte_timeout;
    };
    upstream_deadline_ = &connection.deadline();
    upstream_deadline_->arm(head_limit);
    beast::error_code write_ec;
    const std::size_t written_now = upstream::write_now(stream, request, write_ec);
    if (write_ec == net::error::would_block || (!write_ec && written_now < beast::buffer_bytes(request))) {
        beast::buffers_suffix<std::array<net::const_buffer, 4>> rest(request);
        rest.consume(written_now);
        auto [rest_ec, written] = co_await net::async_write(stream, rest, use_tuple);
        write_ec = rest_ec;
    }
    if (write_ec) {
        if (reused && !watch_->client_gone() && !timed_out(write_ec)) {
            co_return Attempt{.retry_on_fresh = true};
        }
        co_return fail_before_head(timed_out(write_ec) ? timeout_kind(head_phase()) : UpstreamError::reset);
    }

    http::response_parser<http::buffer_body> parser;
    parser.header_limit(kUpstreamHeaderLimit);
    parser.body_limit(boost::none);  // streams are bounded by time; bodies by their parser
    upstream_deadline_->arm(head_limit);
    beast::error_code head_ec;
    while (!parser.is_header_done() && !head_ec) {
        if (upstream::parse_buffered(parser, connection.buffer, head_ec)) continue;
        auto [read_ec, n] = co_await stream.async_read_some(upstream::read_room(connection.buffer), use_tuple);
        upstream::settle_read(parser, connection.buffer, n, read_ec, head_ec);
    }
    if (head_ec) {
        // A pooled connection the backend closed while idle fails just like this; only
        // then is a silent retry on a fresh connection safe.
        if (reused && is_reset(head_ec) && !parser.got_some() && !watch_->client_gone()) {
            co_return Attempt{.retry_on_fresh = true};
        }
        co_return fail_before_head(classify(head_ec, head_phase()));
    }
    done_.upstream_head_at = Clock::now();
    note_provider_limits(parser.get().base());

    if (parser.get().result() == http::status::ok && is_event_stream(parser.get().base())) {
        co_return co_await relay_stream(stream, connection, parser);
    }
    co_return co_await relay_body(stream, connection, parser);
}

UpstreamError ProxyCall::classify(const beast::error_code& ec, UpstreamError timeout_phase) const {
    if (timed_out(ec)) return timeout_kind(timeout_phase);
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
    parser.body_limit(settings_->max_response_bytes);
    // Beast compares a Content-Length with the body limit only while it parses the head (read
    // here without a limit): compare it now, before any of the body is read and buffered.
    if (const auto length = parser.content_length();
        length && *length > settings_->max_response_bytes) {
        co_return fail_before_head(UpstreamError::too_large);
    }
    beast::error_code ec;
    while (!parser.is_done() && !ec) {
        if (upstream::parse_buffered(parser, connection.buffer, ec)) continue;
        upstream_deadline_->arm(within_deadline(settings_->timeouts.idle));
        auto [read_ec, n] = co_await stream.async_read_some(upstream::read_room(connection.buffer), use_tuple);
        upstream::settle_read(parser, connection.buffer, n, read_ec, ec);
    }
    if (ec) co_return fail_before_head(classify(ec, UpstreamError::idle_timeout));
    upstream_deadline_->disarm();

    auto& upstream = parser.get();
    const unsigned status = upstream.result_int();
    using Wire = pipeline::UpstreamRequest::Wire;
    const Wire wire = ctx_.upstream.wire;
    if (wire != Wire::openai && wire != Wire::messages_passthrough && status != 401 && status != 403) {
        co_return translate_reply(upstream, parser.keep_alive());
    }
    if (status == 401 || status == 403) {
        // The backend refused the gateway's own credential: relayed, it would tell the client
        // that its key is wrong, and the backend's message may quote part of the backend key.
        backend_->metrics().count(UpstreamError::auth_refused);
        respond_error(api::upstream_auth_failed(backend_->name()));
        co_return Attempt{.reusable = parser.keep_alive(), .failure = UpstreamError::auth_refused, .status = status};
    }
    if (status >= 400 &&
        !(is_json(upstream.base()) && api::inspect_response_body(upstream.body()).valid_json)) {
        // An error page that is not JSON (a proxy's HTML 503): the status and its Retry-After
        // stay, the page (internal names, stack traces) does not.
        std::string retry_after;
        if (const auto found = upstream.find(http::field::retry_after); found != upstream.end()) {
            retry_after.append("Retry-After: ").append(found->value()).append("\r\n");
        }
        respond_error(api::upstream_error(backend_->name(), status), retry_after);
        co_return Attempt{.reusable = parser.keep_alive(), .status = status, .retry_after = retry_after_of(upstream.base())};
    }
    if (status >= 200 && status < 300) {
        const api::ResponseBody inspected =
            is_json(upstream.base()) ? api::inspect_response_body(upstream.body())
                                     : api::ResponseBody{};
        if (!inspected.valid_json) {
            backend_->metrics().count(UpstreamError::protocol);
            respond_error(api::upstream_invalid_response(backend_->name(), "the body is not a JSON object"));
            co_return Attempt{.reusable = parser.keep_alive(), .failure = UpstreamError::protocol};
        }
        done_.usage = inspected.usage;
        if (wire == Wire::messages_passthrough) {  // Anthropic's answer, relayed: only its usage is read
            transform::anthropic::TokenCounts counts;
            bool found = false;
            auto on_member = [&](const json::Member& member) {
                if (member.key != "usage" || member.kind != json::Kind::object) return;
                counts.read(member.value);
                found = true;
            };
            json::scan_object(upstream.body(), kUpstreamJsonDepth, on_member);
            if (found) done_.usage = counts.openai();
        }
    }
    done_.status = status;
    done_.bytes_out = upstream.body().size();
    std::string& head = client_.head_buffer;
    head.clear();
    append_proxied_head(head, {upstream.base(), client_, ctx_.request_id, upstream.body().size(), false,
                               ctx_.response_headers, served_model(), backend_->name()});
    // Written by run() once the upstream connection is back in the pool: a client that reads
    // slowly holds no upstream connection. The body string is moved, not copied.
    Attempt result{.reusable = parser.keep_alive(), .status = status};
    if (status >= 400) {
        result.context_length = status == 400 && is_context_length_error(upstream.body());
        result.retry_after = retry_after_of(upstream.base());
    }
    reply_body_ = std::move(upstream.body());
    reply_pending_ = true;
    co_return result;
}

namespace {

// An OpenAI-format backend's error as the error an Anthropic client is shown: the backend's
// message and status, Anthropic's shape (written by write_error()).
api::Error openai_error(unsigned status, std::string_view body, std::string_view backend) {
    if (!api::inspect_response_body(body).valid_json) return api::upstream_error(backend, status);
    api::Error error = transform::messages_ingress::stream_error(body, backend);
    error.status = status;
    return error;
}

// The translated answer and its usage, or why the upstream's answer could not be translated.
struct TranslatedReply {
    std::string body;
    sse::Usage usage;
};

template <class Translated>
std::variant<TranslatedReply, api::Error> reply_of(Translated translated) {
    if (auto* error = std::get_if<api::Error>(&translated)) return std::move(*error);
    auto& answer = std::get<0>(translated);
    if constexpr (requires { answer.tokens; }) {
        return TranslatedReply{std::move(answer.body), answer.tokens.openai()};
    } else {
        return TranslatedReply{std::move(answer.body), answer.usage};
    }
}

}  // namespace

Attempt ProxyCall::translate_reply(http::response<http::string_body>& upstream, bool keep_alive) {
    namespace transform = infergate::transform;
    using Wire = pipeline::UpstreamRequest::Wire;
    const Wire wire = ctx_.upstream.wire;
    const unsigned status = upstream.result_int();
    const std::string_view backend = backend_->name();
    if (status < 200 || status >= 300) {
        // The provider's error types decide the status: Anthropic's overloaded (529) and
        // Gemini's UNAVAILABLE become a retryable 503.
        const api::Error error = wire == Wire::anthropic ? transform::anthropic::translate_error(status, upstream.body(), backend)
                                 : wire == Wire::gemini  ? transform::gemini::translate_error(status, upstream.body(), backend)
                                                         : openai_error(status, upstream.body(), backend);
        std::string retry_after;
        if (const auto found = upstream.find(http::field::retry_after); found != upstream.end()) {
            retry_after.append("Retry-After: ").append(found->value()).append("\r\n");
        }
        respond_error(error, retry_after);
        return Attempt{.reusable = keep_alive,
                       .status = error.status,
                       .context_length = error.code == "context_length_exceeded" ||
                                         (status == 400 && is_context_length_error(upstream.body())),
                       .retry_after = retry_after_of(upstream.base())};
    }
    const auto created = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    std::variant<TranslatedReply, api::Error> translated =
        wire == Wire::anthropic ? reply_of(transform::anthropic::translate_response(upstream.body(), created, backend))
        : wire == Wire::gemini  ? reply_of(transform::gemini::translate_response(upstream.body(), created, backend))
                                : reply_of(transform::messages_ingress::translate_response(upstream.body(), backend));
    if (auto* error = std::get_if<api::Error>(&translated)) {
        backend_->metrics().count(UpstreamError::protocol);
        respond_error(*error);
        return Attempt{.reusable = keep_alive, .failure = UpstreamError::protocol};
    }
    auto& reply = std::get<TranslatedReply>(translated);
    done_.usage = reply.usage;
    done_.status = status;
    done_.bytes_out = reply.body.size();
    std::string& head = client_.head_buffer;
    head.clear();
    append_proxied_head(head, {upstream.base(), client_, ctx_.request_id, reply.body.size(), false,
                               ctx_.response_headers, served_model(), backend_->name()});
    reply_body_ = std::move(reply.body);
    reply_pending_ = true;
    return Attempt{.reusable = keep_alive, .status = status};
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
            return api::upstream_timeout(backend_->name());
        case UpstreamError::protocol:
            return api::upstream_invalid_response(backend_->name(), "malformed HTTP or event stream");
        case UpstreamError::too_large:
            return api::upstream_invalid_response(backend_->name(), "the response exceeds the size limit");
        case UpstreamError::pool_timeout:
            return api::upstream_overloaded(backend_->name());
        default:
            return api::upstream_unavailable(backend_->name());
    }
}

Attempt ProxyCall::fail_before_head(UpstreamError kind) {
    if (watch_->client_gone()) {
        client_gone();
        return Attempt{};
    }
    backend_->metrics().count(kind);
    respond_error(error_for(kind));
    return Attempt{.failure = kind};
}

void ProxyCall::respond_error(const api::Error& error, std::string_view extra_headers) {
    done_.status = error.status;
    done_.code = error.code;
    error_ = error;
    error_headers_.assign(extra_headers);
}

net::awaitable<void> ProxyCall::write_error() {
    ctx_.response_headers.append(error_headers_);
    Response response = make_error_response(*error_, client_, ctx_.request_id, ctx_.response_headers, ctx_.endpoint);
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
