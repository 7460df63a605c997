// llm-mock server: one coroutine per connection, raw HTTP/1.1 responses built into reused
// per-connection buffers, request parsed by a Beast basic_parser that keeps only what the mock
// needs (no header map), JSON bodies scanned with a SAX handler (no DOM).
#include "mock_server.hpp"

#include "infergate/net.hpp"

#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace llm_mock {
namespace {

namespace net = infergate::net;
namespace beast = infergate::beast;
namespace http = infergate::http;
namespace ssl = infergate::ssl;
using tcp = infergate::tcp;
using infergate::use_tuple;
using namespace std::chrono_literals;
using std::string_view;

using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Acceptor = net::basic_socket_acceptor<tcp, Executor>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>, Executor>;
using TlsStream = ssl::stream<Socket>;

constexpr std::size_t kHeaderLimit = 64 * 1024;
constexpr std::uint64_t kBodyLimit = 64ull << 20;
constexpr std::size_t kKeepCapacity = 1 << 20;  // shrink per-connection buffers above this
constexpr int kMaxChunks = 1'000'000;
constexpr int kMaxDelayMs = 3'600'000;
constexpr auto kSplitGap = 1ms;

// ------------------------------------------------------------------------------------------
// Small output helpers (append to a reused std::string; no temporaries)

void put_uint(std::string& o, std::uint64_t v) {
    char b[24];
    auto r = std::to_chars(b, b + sizeof b, v);
    o.append(b, r.ptr);
}

void put_hex(std::string& o, std::size_t v) {
    char b[24];
    auto r = std::to_chars(b, b + sizeof b, v, 16);
    o.append(b, r.ptr);
}

void put_escaped(std::string& o, string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        o.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': o += "\\\""; break;
            case '\\': o += "\\\\"; break;
            case '\n': o += "\\n"; break;
            case '\r': o += "\\r"; break;
            case '\t': o += "\\t"; break;
            default:
                o += "\\u00";
                o += hex[c >> 4];
                o += hex[c & 15];
        }
    }
    o.append(s.data() + run, s.size() - run);
}

// Word k of the deterministic reply: "mock", "reply", "1", "2", ...
void put_word(std::string& o, int k) {
    if (k == 0)
        o += "mock";
    else if (k == 1)
        o += "reply";
    else
        put_uint(o, static_cast<std::uint64_t>(k - 1));
}

void put_text(std::string& o, int words) {
    for (int k = 0; k < words; ++k) {
        if (k) o += ' ';
        put_word(o, k);
    }
}

void put_usage(std::string& o, std::uint64_t prompt, std::uint64_t completion) {
    o += "{\"prompt_tokens\":";
    put_uint(o, prompt);
    o += ",\"completion_tokens\":";
    put_uint(o, completion);
    o += ",\"total_tokens\":";
    put_uint(o, prompt + completion);
    o += '}';
}

// {"error":{"message":...,"type":...,"param":...,"code":...}}; empty param/code -> null
void put_error(std::string& o, string_view message, string_view type, string_view param,
               string_view code) {
    o += "{\"error\":{\"message\":\"";
    put_escaped(o, message);
    o += "\",\"type\":\"";
    o += type;
    o += "\",\"param\":";
    if (param.empty()) {
        o += "null";
    } else {
        o += '"';
        o += param;
        o += '"';
    }
    o += ",\"code\":";
    if (code.empty()) {
        o += "null";
    } else {
        o += '"';
        o += code;
        o += '"';
    }
    o += "}}";
}

// Gemini's error body, {"error":{"code":...,"message":...,"status":...}}, with the status
// name Google's APIs give each HTTP status.
void put_gemini_error(std::string& o, unsigned status, string_view message) {
    const string_view name = status == 400   ? "INVALID_ARGUMENT"
                             : status == 401 ? "UNAUTHENTICATED"
                             : status == 403 ? "PERMISSION_DENIED"
                             : status == 404 ? "NOT_FOUND"
                             : status == 429 ? "RESOURCE_EXHAUSTED"
                             : status == 503 ? "UNAVAILABLE"
                             : status == 504 ? "DEADLINE_EXCEEDED"
                             : status >= 500 ? "INTERNAL"
                                             : "FAILED_PRECONDITION";
    o += R"({"error":{"code":)";
    put_uint(o, status);
    o += R"(,"message":")";
    put_escaped(o, message);
    o += R"(","status":")";
    o += name;
    o += "\"}}";
}

// Anthropic's error body, {"type":"error","error":{"type":...,"message":...}}, with the
// error type Anthropic documents for each status.
void put_anthropic_error(std::string& o, unsigned status, string_view message) {
    const string_view type = status == 401   ? "authentication_error"
                             : status == 403 ? "permission_error"
                             : status == 404 ? "not_found_error"
                             : status == 413 ? "request_too_large"
                             : status == 429 ? "rate_limit_error"
                             : status == 504 ? "timeout_error"
                             : status == 529 ? "overloaded_error"
                             : status >= 500 ? "api_error"
                                             : "invalid_request_error";
    o += R"({"type":"error","error":{"type":")";
    o += type;
    o += R"(","message":")";
    put_escaped(o, message);
    o += "\"}}";
}

enum class Conn : std::uint8_t { keep_alive_11, keep_alive_10, close };

// Status line and headers; content_length < 0 means chunked transfer coding (or, for a
// close-delimited HTTP/1.0 stream, neither header).
void put_head(std::string& o, unsigned status, string_view content_type, long long content_length,
              bool chunked, Conn conn, string_view extra = {}) {
    o += "HTTP/1.1 ";
    put_uint(o, status);
    o += ' ';
    o += http::obsolete_reason(static_cast<http::status>(status));
    o += "\r\nContent-Type: ";
    o += content_type;
    if (content_length >= 0) {
        o += "\r\nContent-Length: ";
        put_uint(o, static_cast<std::uint64_t>(content_length));
    } else if (chunked) {
        o += "\r\nTransfer-Encoding: chunked";
    }
    if (conn == Conn::close)
        o += "\r\nConnection: close";
    else if (conn == Conn::keep_alive_10)
        o += "\r\nConnection: keep-alive";
    o += "\r\n";
    o += extra;
    o += "\r\n";
}

std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finaliser
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
std::uint64_t fnv1a(std::uint64_t h, string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

bool iequals(string_view a, string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (static_cast<unsigned>(x - 'A') < 26u) x += 32;
        if (static_cast<unsigned>(y - 'A') < 26u) y += 32;
        if (x != y) return false;
    }
    return true;
}

bool parse_int(string_view v, int lo, int hi, int& out) {
    int x = 0;
    auto r = std::from_chars(v.data(), v.data() + v.size(), x);
    if (r.ec != std::errc{} || r.ptr != v.data() + v.size() || x < lo || x > hi) return false;
    out = x;
    return true;
}

// ------------------------------------------------------------------------------------------
// Request: what the parser keeps. One per connection, reused (strings keep their capacity).

enum class Fault : std::uint8_t {
    none, reset_before_headers, close_before_headers, hang, reset_mid_stream, close_mid_stream,
    truncate_stream, short_body, invalid_json, html, split_events, error_event, unknown
};

Fault parse_fault(string_view v) {
    struct Entry { string_view name; Fault fault; };
    static constexpr Entry table[] = {
        {"reset-before-headers", Fault::reset_before_headers},
        {"close-before-headers", Fault::close_before_headers},
        {"hang", Fault::hang},
        {"reset-mid-stream", Fault::reset_mid_stream},
        {"close-mid-stream", Fault::close_mid_stream},
        {"truncate-stream", Fault::truncate_stream},
        {"short-body", Fault::short_body},
        {"invalid-json", Fault::invalid_json},
        {"html", Fault::html},
        {"split-events", Fault::split_events},
        {"error-event", Fault::error_event},
        {"slow-first-byte", Fault::none},
        {"none", Fault::none},
        {"", Fault::none},
    };
    for (const auto& e : table)
        if (iequals(v, e.name)) return e.fault;
    return Fault::unknown;
}

struct Request {
    std::string method, target, body;
    std::vector<std::pair<std::string, std::string>> headers;  // only when recording
    http::verb verb = http::verb::unknown;
    int version = 11;
    bool record = false;
    bool bad_control = false;
    bool expect_continue = false;
    int chunks = -1, delay_ms = -1, ttft_ms = -1, status = 0;
    Fault fault = Fault::none;
    bool fault_given = false;
    bool want_authorization = false;  // only kept when some key has its own status
    std::string authorization;

    void reset(bool rec, bool want_auth) {
        method.clear();
        target.clear();
        body.clear();
        headers.clear();
        verb = http::verb::unknown;
        version = 11;
        record = rec;
        bad_control = false;
        expect_continue = false;
        chunks = delay_ms = ttft_ms = -1;
        status = 0;
        fault = Fault::none;
        fault_given = false;
        want_authorization = want_auth;
        authorization.clear();
    }
};

class RequestParser final : public http::basic_parser<true> {
    using bsv = beast::string_view;  // boost::core::string_view in Boost 1.81

public:
    explicit RequestParser(Request& r) : r_(r) {}

private:
    Request& r_;

    void on_request_impl(http::verb verb, bsv method, bsv target, int version,
                         beast::error_code&) override {
        r_.verb = verb;
        r_.method.assign(method);
        r_.target.assign(target);
        r_.version = version;
    }
    void on_response_impl(int, bsv, int, beast::error_code& ec) override {
        ec = http::error::bad_version;
    }
    void on_field_impl(http::field f, bsv name, bsv value,
                       beast::error_code&) override {
        if (r_.record) r_.headers.emplace_back(std::string(name), std::string(value));
        if (f == http::field::expect && iequals(value, "100-continue")) r_.expect_continue = true;
        if (f == http::field::authorization && r_.want_authorization) r_.authorization.assign(value);
        if (name.size() < 8 || !iequals(name.substr(0, 7), "x-mock-")) return;
        const string_view what = name.substr(7);
        bool ok = true;
        if (iequals(what, "chunks"))
            ok = parse_int(value, 0, kMaxChunks, r_.chunks);
        else if (iequals(what, "delay-ms"))
            ok = parse_int(value, 0, kMaxDelayMs, r_.delay_ms);
        else if (iequals(what, "ttft-ms"))
            ok = parse_int(value, 0, kMaxDelayMs, r_.ttft_ms);
        else if (iequals(what, "status"))
            ok = parse_int(value, 400, 599, r_.status);
        else if (iequals(what, "fault")) {
            r_.fault = parse_fault(value);
            r_.fault_given = true;
        }
        if (!ok) r_.bad_control = true;
    }
    void on_header_impl(beast::error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                           beast::error_code&) override {
        if (length) r_.body.reserve(static_cast<std::size_t>(*length));
    }
    std::size_t on_body_impl(bsv body, beast::error_code&) override {
        r_.body.append(body);
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, bsv, beast::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, bsv body, beast::error_code&) override {
        r_.body.append(body);
        return body.size();
    }
    void on_finish_impl(beast::error_code&) override {}
};

// ------------------------------------------------------------------------------------------
// JSON body scan: SAX handler that extracts the few fields the mock needs.

void put_base64(std::string& out, const unsigned char* data, std::size_t size) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    for (; i + 2 < size; i += 3) {
        const unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i < size) {
        const unsigned v = (data[i] << 16) | (i + 1 < size ? data[i + 1] << 8 : 0);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < size ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
}

struct Scan {
    struct Item {
        std::uint64_t hash = kFnvOffset;
        std::uint64_t bytes = 0, tokens = 0;
    };
    bool root_object = false;
    bool has_model = false, bad_model = false, has_messages = false, has_input = false;
    bool stream = false, include_usage = false;
    bool base64 = false;  // embeddings: encoding_format "base64" (float32 little-endian)
    long long max_tokens = -1;
    std::uint64_t text_bytes = 0, token_ids = 0;
    std::string model;
    std::vector<Item> items;  // embeddings inputs

    void reset() {
        root_object = has_model = bad_model = has_messages = has_input = false;
        stream = include_usage = base64 = false;
        max_tokens = -1;
        text_bytes = token_ids = 0;
        model.clear();
        items.clear();
    }
    std::uint64_t prompt_tokens() const { return std::max<std::uint64_t>(1, text_bytes / 4 + token_ids); }
};

class Scanner {
public:
    using json = nlohmann::json;
    explicit Scanner(Scan& s) : s_(s) {}

    bool null() { return scalar(false); }
    bool boolean(bool v) {
        if (at(Key::stream))
            s_.stream = v;
        else if (at(Key::stream_options, Key::include_usage))
            s_.include_usage = v;
        return scalar(false);
    }
    bool number_integer(json::number_integer_t v) { return integer(v); }
    bool number_unsigned(json::number_unsigned_t v) {
        return integer(static_cast<long long>(std::min<json::number_unsigned_t>(v, 1ull << 62)));
    }
    bool number_float(json::number_float_t, const json::string_t&) { return scalar(false); }
    bool string(json::string_t& v) {
        if (at(Key::model)) {
            s_.model = v;
            s_.has_model = true;
            return true;
        }
        if (at(Key::encoding_format)) {
            s_.base64 = v == "base64";
            return scalar(true);
        }
        if (at(Key::messages, Key::elem, Key::content) ||
            at(Key::messages, Key::elem, Key::content, Key::elem, Key::text) ||
            at(Key::system) || at(Key::system, Key::elem, Key::text) ||
            at(Key::contents, Key::elem, Key::parts, Key::elem, Key::text) ||
            at(Key::prompt) || at(Key::prompt, Key::elem)) {
            s_.text_bytes += v.size();
        } else if (at(Key::input) || at(Key::input, Key::elem)) {
            s_.has_input = true;
            auto& item = s_.items.emplace_back();
            item.hash = fnv1a(kFnvOffset, v);
            item.bytes = v.size();
            s_.text_bytes += v.size();
        }
        return scalar(true);
    }
    bool binary(json::binary_t&) { return scalar(false); }
    bool start_object(std::size_t) {
        if (depth_ == 0) s_.root_object = true;
        if (!scalar(false)) return false;
        return push(Key::none);
    }
    bool key(json::string_t& k) {
        path_[depth_] = classify(k);
        return true;
    }
    bool end_object() { return pop(); }
    bool start_array(std::size_t) {
        if (at(Key::messages)) {
            s_.has_messages = true;
        } else if (at(Key::input)) {
            s_.has_input = true;
        } else if (at(Key::input, Key::elem)) {  // one token-id array per input
            s_.items.emplace_back();
            flat_tokens_ = false;
        }
        if (!scalar(false)) return false;
        return push(Key::elem);
    }
    bool end_array() { return pop(); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
        return false;
    }

private:
    enum class Key : std::uint8_t {
        none, elem, other, model, stream, stream_options, include_usage, max_tokens, messages,
        content, text, prompt, input, encoding_format, system, contents, parts, generation_config
    };
    static constexpr int kMaxDepth = 64;

    Scan& s_;
    std::array<Key, kMaxDepth + 1> path_{};
    int depth_ = 0;
    bool flat_tokens_ = false;

    static Key classify(string_view k) {
        switch (k.size()) {
            case 4: return k == "text" ? Key::text : Key::other;
            case 5:
                return k == "model" ? Key::model : k == "input" ? Key::input : k == "parts" ? Key::parts : Key::other;
            case 6:
                return k == "stream" ? Key::stream : k == "prompt" ? Key::prompt
                                                   : k == "system" ? Key::system : Key::other;
            case 7: return k == "content" ? Key::content : Key::other;
            case 8: return k == "messages" ? Key::messages : k == "contents" ? Key::contents : Key::other;
            case 10: return k == "max_tokens" ? Key::max_tokens : Key::other;
            case 13: return k == "include_usage" ? Key::include_usage : Key::other;
            case 14: return k == "stream_options" ? Key::stream_options : Key::other;
            case 15:
                return k == "encoding_format" ? Key::encoding_format
                       : k == "maxOutputTokens" ? Key::max_tokens : Key::other;
            case 16: return k == "generationConfig" ? Key::generation_config : Key::other;
            case 21: return k == "max_completion_tokens" ? Key::max_tokens : Key::other;
            default: return Key::other;
        }
    }

    template <class... K>
    bool at(K... keys) const {
        constexpr int n = static_cast<int>(sizeof...(K));
        if (depth_ != n) return false;
        const Key want[] = {keys...};
        for (int i = 0; i < n; ++i)
            if (path_[i + 1] != want[i]) return false;
        return true;
    }

    // Called for every value; a "model" that is not a string is an error.
    bool scalar(bool is_string) {
        if (!is_string && at(Key::model)) s_.bad_model = true;
        if (at(Key::input)) s_.has_input = true;
        return true;
    }

    bool integer(long long v) {
        if (at(Key::max_tokens) || at(Key::generation_config, Key::max_tokens)) {
            s_.max_tokens = v;
        } else if (at(Key::prompt, Key::elem) || at(Key::prompt, Key::elem, Key::elem)) {
            ++s_.token_ids;
        } else if (at(Key::input, Key::elem) || at(Key::input, Key::elem, Key::elem)) {
            if (depth_ == 2 && !flat_tokens_) {  // "input": [1, 2, 3] is one input
                s_.items.emplace_back();
                flat_tokens_ = true;
            }
            auto& item = s_.items.back();
            item.hash = mix64(item.hash ^ static_cast<std::uint64_t>(v));
            ++item.tokens;
            ++s_.token_ids;
        }
        return scalar(false);
    }

    bool push(Key k) {
        if (depth_ >= kMaxDepth) return false;
        path_[++depth_] = k;
        return true;
    }
    bool pop() {
        --depth_;
        return true;
    }
};

// ------------------------------------------------------------------------------------------
// Server-wide state shared by all connections.

constexpr string_view kModelObject =
    R"({"id":"mock-model","object":"model","created":1700000000,"owned_by":"llm-mock"})";

struct Shared {
    explicit Shared(Options o)
        : opts(std::move(o)),
          default_fault(parse_fault(opts.fault)),
          stream_extra_headers("Cache-Control: no-cache\r\n" + opts.success_headers) {
        std::string body = "{\"object\":\"list\",\"data\":[";
        body += kModelObject;
        body += "]}";
        put_head(models_response, 200, "application/json", static_cast<long long>(body.size()),
                 false, Conn::keep_alive_11);
        models_response += body;
    }

    Options opts;
    Fault default_fault;  // opts.fault parsed (unknown: refused by start())
    std::string stream_extra_headers;  // of an SSE head, after its Content-Type
    std::atomic<std::uint64_t> next_id{1};
    std::atomic<std::size_t> accepted{0}, open{0}, aborted{0};
    std::atomic<unsigned> health_status{200};
    mutable std::mutex mu;
    std::vector<RecordedRequest> recorded;
    std::string models_response;  // precomputed keep-alive response for GET /v1/models
    std::unique_ptr<ssl::context> tls;
};

// Owned by a connection coroutine's frame from the moment it is created, so open counts
// stay right even when the server stops before the coroutine ever ran.
class OpenGuard {
public:
    explicit OpenGuard(Shared& s) : s_(&s) { s_->open.fetch_add(1, std::memory_order_relaxed); }
    OpenGuard(OpenGuard&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    OpenGuard& operator=(OpenGuard&&) = delete;
    ~OpenGuard() {
        if (s_) s_->open.fetch_sub(1, std::memory_order_relaxed);
    }

private:
    Shared* s_;
};

enum class Kind : std::uint8_t { chat, completion, messages, gemini };  // messages: Anthropic's
enum class Next : std::uint8_t { keep_alive, close, done };  // done: socket already dealt with

// Events of one stream, in order.
struct Plan {
    Kind kind;
    int words;
    bool include_usage;
    string_view finish_reason;
    std::uint64_t prompt_tokens;

    // chat: [role] words [finish] [usage] [DONE]; completion: words [finish] [usage] [DONE];
    // messages: message_start content_block_start words content_block_stop message_delta message_stop
    // gemini: one event per word (at least one), the last with finishReason and usageMetadata
    std::size_t first_word() const { return kind == Kind::chat ? 1 : kind == Kind::messages ? 2 : 0; }
    std::size_t count() const {
        if (kind == Kind::messages) return first_word() + words + 3;
        if (kind == Kind::gemini) return static_cast<std::size_t>(std::max(words, 1));
        return first_word() + words + 1 + (include_usage ? 1 : 0) + 1;
    }
    // Mid-stream faults act after this many events: the first word has been sent.
    std::size_t fault_point() const { return kind == Kind::messages ? 3 : 2; }
    bool is_word(std::size_t k) const { return k >= first_word() && k < first_word() + words; }
};

// ------------------------------------------------------------------------------------------
// One connection.

template <class Stream>
class Connection {
    static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

public:
    Connection(Shared& s, Socket&& sock)
        : s_(s), stream_(make_stream(s, std::move(sock))), timer_(lowest().get_executor()) {}

    net::awaitable<void> run() {
        if constexpr (kTls) {
            auto [ec] = co_await stream_.async_handshake(ssl::stream_base::server, use_tuple);
            if (ec) co_return;
        }
        for (;;) {
            req_.reset(s_.opts.record, !s_.opts.status_for_key.empty());
            RequestParser parser(req_);
            parser.header_limit(kHeaderLimit);
            parser.body_limit(kBodyLimit);
            parser.eager(true);  // a request that arrived whole is parsed by one operation
            auto [header_ec, header_n] =
                co_await http::async_read_header(stream_, buf_, parser, use_tuple);
            beast::error_code ec = header_ec;
            if (!ec && !parser.is_done()) {
                if (req_.expect_continue) {
                    const bool sent = co_await send("HTTP/1.1 100 Continue\r\n\r\n");
                    if (!sent) co_return;
                }
                auto [body_ec, body_n] = co_await http::async_read(stream_, buf_, parser, use_tuple);
                ec = body_ec;
            }
            if (ec) {
                if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                    ec != http::error::end_of_stream && ec != http::error::partial_message) {
                    conn_ = Conn::close;
                    error_response(400, "Could not parse the HTTP request: " + ec.message(),
                                   "invalid_request_error", {}, "bad_request");
                    const bool sent = co_await send(out_);
                    if (sent) close_gracefully();
                }
                co_return;
            }
            if (req_.record) record();
            const Next next = co_await respond(parser.keep_alive());
            if (next == Next::close) close_gracefully();
            if (next != Next::keep_alive) co_return;
            trim();
        }
    }

private:
    Shared& s_;
    Stream stream_;
    Timer timer_;
    beast::flat_buffer buf_;
    Request req_;
    Scan scan_;
    std::string out_, body_, ev_;
    Conn conn_ = Conn::keep_alive_11;
    bool chunked_ = true;
    bool watch_ = true;  // watch the socket for FIN/RST while waiting
    bool anthropic_ = false;  // the request is Anthropic's (POST /v1/messages): its error shape
    bool gemini_ = false;     // the request is Gemini's (/v1beta/models/M:...): its error shape
    bool gemini_stream_ = false;
    std::string gemini_model_;
    std::string azure_path_;  // an Azure deployment path, as the OpenAI path it stands for

    static Stream make_stream(Shared& s, Socket&& sock) {
        if constexpr (kTls)
            return Stream(std::move(sock), *s.tls);
        else
            return std::move(sock);
    }

    Socket& lowest() {
        if constexpr (kTls)
            return stream_.next_layer();
        else
            return stream_;
    }

    void record() {
        RecordedRequest r{req_.method, req_.target, req_.headers, req_.body};
        std::lock_guard lock(s_.mu);
        s_.recorded.push_back(std::move(r));
    }

    void trim() {
        if (buf_.capacity() > kKeepCapacity) buf_.shrink_to_fit();
        for (std::string* s : {&req_.body, &out_, &body_, &ev_})
            if (s->capacity() > kKeepCapacity) std::string().swap(*s);
    }

    Next aborted() {
        s_.aborted.fetch_add(1, std::memory_order_relaxed);
        return Next::done;
    }
    Next after_response() const { return conn_ == Conn::close ? Next::close : Next::keep_alive; }

    void close_gracefully() {
        beast::error_code ec;
        lowest().shutdown(tcp::socket::shutdown_send, ec);
        lowest().close(ec);
    }
    void reset() {
        beast::error_code ec;
        lowest().set_option(net::socket_base::linger(true, 0), ec);
        lowest().close(ec);
    }

    // Write everything; false (and counted as aborted) if the peer is gone.
    net::awaitable<bool> send(string_view data) {
        auto [ec, n] = co_await net::async_write(stream_, net::buffer(data.data(), data.size()),
                                                 use_tuple);
        if (ec) {
            s_.aborted.fetch_add(1, std::memory_order_relaxed);
            co_return false;
        }
        co_return true;
    }

    enum class Peer { idle, data, gone };
    Peer peek() {
        char c;
        for (;;) {
            const auto r = ::recv(lowest().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
            if (r > 0) return Peer::data;
            if (r == 0) return Peer::gone;
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? Peer::idle : Peer::gone;
        }
    }

    // Sleep for d; false if the peer closed or reset the connection meanwhile.
    net::awaitable<bool> pause(std::chrono::milliseconds d) {
        timer_.expires_after(d);
        while (watch_) {
            auto [order, ec_timer, ec_sock] =
                co_await net::experimental::make_parallel_group(
                    timer_.async_wait(net::deferred),
                    lowest().async_wait(tcp::socket::wait_read, net::deferred))
                    .async_wait(net::experimental::wait_for_one(), use_tuple);
            if (order[0] == 0) co_return true;
            if (ec_sock) co_return false;
            switch (peek()) {
                case Peer::gone: co_return false;
                case Peer::data: watch_ = false; break;  // pipelined bytes: stop watching
                case Peer::idle: break;
            }
        }
        co_await timer_.async_wait(use_tuple);  // the rest of the delay (error irrelevant)
        co_return true;
    }

    // Never answer; wait (discarding input) until the peer goes away or the server stops.
    net::awaitable<Next> hang() {
        for (;;) {
            auto [ec, n] = co_await lowest().async_read_some(buf_.prepare(4096), use_tuple);
            if (ec) co_return aborted();
            buf_.consume(buf_.size());
        }
    }

    void error_response(unsigned status, string_view message, string_view type,
                        string_view param, string_view code, string_view extra = {}) {
        body_.clear();
        put_error(body_, message, type, param, code);
        out_.clear();
        put_head(out_, status, "application/json", static_cast<long long>(body_.size()), false,
                 conn_, extra);
        out_ += body_;
    }

    // NOTE (GCC 12.2): never write `if (co_await ...)` / `a && co_await ...` / `c ? co_await`.
    // A coroutine whose body declares no local variable and awaits inside an if-condition is
    // miscompiled (SIGILL / resumes a stale frame; reproduced with a 20-line asio program).
    // Always bind the awaited value to a local first.
    net::awaitable<Next> send_response() {
        const bool sent = co_await send(out_);
        if (!sent) co_return Next::done;
        co_return after_response();
    }

    net::awaitable<Next> send_error(unsigned status, string_view message, string_view type,
                                    string_view param = {}, string_view code = {},
                                    string_view extra = {}) {
        error_response(status, message, type, param, code, extra);
        co_return co_await send_response();
    }

    // The status a request is answered with: x-mock-status, else its key's, else the default.
    int effective_status() const {
        const Request& r = req_;
        if (r.status) return r.status;
        const string_view bearer = "Bearer ";
        if (!r.authorization.empty() && r.authorization.starts_with(bearer)) {
            const auto found = s_.opts.status_for_key.find(r.authorization.substr(bearer.size()));
            if (found != s_.opts.status_for_key.end()) return found->second;
        }
        return s_.opts.status;
    }

    net::awaitable<Next> respond(bool keep_alive) {
        const Options& o = s_.opts;
        Request& r = req_;
        if (!r.fault_given) r.fault = s_.default_fault;
        r.status = effective_status();
        watch_ = true;
        chunked_ = r.version >= 11;
        conn_ = !keep_alive ? Conn::close : r.version >= 11 ? Conn::keep_alive_11 : Conn::keep_alive_10;

        const auto ttft = r.ttft_ms >= 0 ? std::chrono::milliseconds(r.ttft_ms) : o.ttft;
        if (ttft.count() > 0) {
            const bool alive = co_await pause(ttft);
            if (!alive) co_return aborted();
        }

        if (r.fault == Fault::reset_before_headers) {
            reset();
            co_return Next::done;
        }
        if (r.fault == Fault::close_before_headers) co_return Next::close;
        if (r.fault == Fault::hang) co_return co_await hang();
        if (r.fault == Fault::unknown)
            co_return co_await send_error(400, "unknown x-mock-fault value",
                                          "invalid_request_error", {}, "bad_mock_control");
        if (r.bad_control)
            co_return co_await send_error(400, "invalid x-mock-* header value",
                                          "invalid_request_error", {}, "bad_mock_control");
        string_view path = r.target;
        if (auto q = path.find('?'); q != string_view::npos) path = path.substr(0, q);
        // Azure OpenAI's form: /openai/deployments/{deployment}/chat/completions?api-version=...
        if (constexpr string_view azure = "/openai/deployments/"; path.starts_with(azure)) {
            if (const auto slash = path.find('/', azure.size()); slash != string_view::npos) {
                azure_path_ = "/v1";
                azure_path_.append(path.substr(slash));
                path = azure_path_;
            }
        }
        anthropic_ = path == "/v1/messages";
        // Gemini's form: /v1beta/models/{model}:generateContent or :streamGenerateContent
        gemini_ = false;
        if (constexpr string_view models = "/v1beta/models/"; path.starts_with(models)) {
            const string_view rest = path.substr(models.size());
            const auto colon = rest.find(':');
            const string_view method = colon == string_view::npos ? string_view() : rest.substr(colon + 1);
            if (method == "generateContent" || method == "streamGenerateContent") {
                gemini_ = true;
                gemini_model_.assign(rest.substr(0, colon));
                gemini_stream_ = method == "streamGenerateContent";
            }
        }
        if (r.status) co_return co_await status_response(static_cast<unsigned>(r.status));
        if (r.fault == Fault::invalid_json) {
            out_.clear();
            constexpr string_view broken = R"({"id": "broken)";
            put_head(out_, 200, "application/json", broken.size(), false, conn_);
            out_ += broken;
            co_return co_await send_response();
        }
        if (r.fault == Fault::html) {
            out_.clear();
            constexpr string_view html = "<html>oops</html>";
            put_head(out_, 200, "text/html", html.size(), false, conn_);
            out_ += html;
            co_return co_await send_response();
        }

        const bool post = r.verb == http::verb::post, get = r.verb == http::verb::get;
        if (post && path == "/v1/chat/completions") co_return co_await generate(Kind::chat);
        if (post && anthropic_) co_return co_await generate(Kind::messages);
        if (post && gemini_) co_return co_await generate(Kind::gemini);
        if (post && path == "/v1/completions") co_return co_await generate(Kind::completion);
        if (post && path == "/v1/embeddings") co_return co_await embeddings();
        if (get && path == "/v1/models") {
            if (conn_ == Conn::keep_alive_11) {
                const bool sent = co_await send(s_.models_response);
                co_return sent ? Next::keep_alive : Next::done;
            }
            co_return co_await send_json(200, "{\"object\":\"list\",\"data\":[" +
                                                  std::string(kModelObject) + "]}");
        }
        if (get && path == "/v1/models/mock-model")
            co_return co_await send_json(200, std::string(kModelObject));
        if (get && path == "/health") {
            const unsigned status = s_.health_status.load(std::memory_order_relaxed);
            if (status == 200) co_return co_await send_json(200, R"({"status":"ok"})");
            co_return co_await status_response(status);
        }

        std::string message = "Invalid URL (";
        message += r.method;
        message += ' ';
        message += path;
        message += ')';
        co_return co_await send_error(404, message, "invalid_request_error", {}, "not_found");
    }

    net::awaitable<Next> send_json(unsigned status, std::string body) {
        out_.clear();
        put_head(out_, status, "application/json", static_cast<long long>(body.size()), false,
                 conn_);
        out_ += body;
        co_return co_await send_response();
    }

    net::awaitable<Next> status_response(unsigned status) {
        std::string message = "mock status ";
        put_uint(message, status);
        if (gemini_) {
            body_.clear();
            put_gemini_error(body_, status, message);
            out_.clear();
            put_head(out_, status, "application/json", static_cast<long long>(body_.size()), false, conn_);
            out_ += body_;
            co_return co_await send_response();
        }
        if (anthropic_) {
            body_.clear();
            put_anthropic_error(body_, status, message);
            out_.clear();
            put_head(out_, status, "application/json", static_cast<long long>(body_.size()), false, conn_,
                     status == 429 || status == 529 ? "Retry-After: 1\r\n" : "");
            out_ += body_;
            co_return co_await send_response();
        }
        if (status >= 500) co_return co_await send_error(status, message, "server_error", {}, "server_error");
        if (status == 429)
            co_return co_await send_error(status, message, "rate_limit_exceeded", {},
                                          "rate_limit_exceeded", "Retry-After: 1\r\n");
        const string_view code = status == 401   ? "invalid_api_key"
                                 : status == 403 ? "permission_denied"
                                 : status == 404 ? "not_found"
                                                 : "";
        co_return co_await send_error(status, message, "invalid_request_error", {}, code);
    }

    // Parse the JSON body; on error, the 400 response is left in out_ and false returned.
    bool scan_body() {
        scan_.reset();
        Scanner scanner(scan_);
        bool ok = false;
        try {
            ok = nlohmann::json::sax_parse(req_.body, &scanner);
        } catch (const std::exception&) {
            ok = false;
        }
        if (!ok) {
            error_response(400,
                           "We could not parse the JSON body of your request. (HINT: This "
                           "likely means you aren't using your HTTP library correctly.)",
                           "invalid_request_error", {}, "invalid_json");
            return false;
        }
        if (!scan_.root_object) {
            error_response(400, "The request body must be a JSON object.",
                           "invalid_request_error", {}, "invalid_json");
            return false;
        }
        if (gemini_) {  // the model and streaming are in the path
            scan_.model = gemini_model_;
            scan_.has_model = true;
            scan_.bad_model = false;
            scan_.stream = gemini_stream_;
        }
        if (!scan_.has_model || scan_.bad_model) {
            error_response(400, "you must provide a model parameter", "invalid_request_error",
                           "model", "missing_required_parameter");
            return false;
        }
        return true;
    }

    net::awaitable<Next> generate(Kind kind) {
        if (!scan_body()) co_return co_await send_response();
        if (kind != Kind::completion && kind != Kind::gemini && !scan_.has_messages)
            co_return co_await send_error(400, "Missing required parameter: 'messages'.",
                                          "invalid_request_error", "messages",
                                          "missing_required_parameter");
        if (kind == Kind::messages && scan_.max_tokens <= 0) {  // Anthropic requires it
            body_.clear();
            put_anthropic_error(body_, 400, "max_tokens: Field required");
            co_return co_await send_json(400, body_);
        }
        Plan plan{kind, req_.chunks >= 0 ? req_.chunks : std::clamp(s_.opts.chunks, 0, kMaxChunks),
                  scan_.stream && scan_.include_usage, "stop", scan_.prompt_tokens()};
        if (scan_.max_tokens > 0 && scan_.max_tokens < plan.words) {
            plan.words = static_cast<int>(scan_.max_tokens);
            plan.finish_reason = "length";
        }
        const std::uint64_t id = s_.next_id.fetch_add(1, std::memory_order_relaxed);
        const auto created = static_cast<std::uint64_t>(std::time(nullptr));
        if (scan_.stream) co_return co_await stream(plan, id, created);

        body_.clear();
        if (kind == Kind::messages) {
            put_message(plan, id);
            co_return co_await send_body("application/json");
        }
        if (kind == Kind::gemini) {
            put_gemini_response(plan, id, 0, plan.words, true);
            co_return co_await send_body("application/json");
        }
        if (kind == Kind::chat) {
            body_ += "{\"id\":\"chatcmpl-mock-";
            put_uint(body_, id);
            body_ += "\",\"object\":\"chat.completion\",\"created\":";
        } else {
            body_ += "{\"id\":\"cmpl-mock-";
            put_uint(body_, id);
            body_ += "\",\"object\":\"text_completion\",\"created\":";
        }
        put_uint(body_, created);
        body_ += ",\"model\":\"";
        put_escaped(body_, scan_.model);
        if (kind == Kind::chat) {
            body_ += "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"";
            put_text(body_, plan.words);
            body_ += "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"";
        } else {
            body_ += "\",\"choices\":[{\"text\":\"";
            put_text(body_, plan.words);
            body_ += "\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"";
        }
        body_ += plan.finish_reason;
        body_ += "\"}],\"usage\":";
        put_usage(body_, plan.prompt_tokens, static_cast<std::uint64_t>(plan.words));
        body_ += '}';
        co_return co_await send_body("application/json");
    }

    // Send out_ = head + body_, applying the non-streaming body faults.
    net::awaitable<Next> send_body(string_view content_type) {
        const Fault f = req_.fault;
        const bool cut = f == Fault::short_body || f == Fault::reset_mid_stream ||
                         f == Fault::close_mid_stream;
        out_.clear();
        put_head(out_, 200, content_type, static_cast<long long>(body_.size()), false,
                 cut ? Conn::close : conn_, s_.opts.success_headers);
        out_.append(body_, 0, cut ? body_.size() / 2 : body_.size());
        const bool sent = co_await send(out_);
        if (!sent) co_return Next::done;
        if (f == Fault::reset_mid_stream) {
            reset();
            co_return Next::done;
        }
        co_return cut ? Next::close : after_response();
    }

    net::awaitable<Next> embeddings() {
        if (!scan_body()) co_return co_await send_response();
        if (!scan_.has_input || scan_.items.empty())
            co_return co_await send_error(400, "'input' must be a non-empty string or array",
                                          "invalid_request_error", "input",
                                          "missing_required_parameter");
        body_.clear();
        body_ += "{\"object\":\"list\",\"data\":[";
        std::uint32_t index = 0;
        for (const auto& item : scan_.items) {
            if (index) body_ += ',';
            body_ += "{\"object\":\"embedding\",\"index\":";
            put_uint(body_, index++);
            body_ += ",\"embedding\":";
            std::array<float, 8> vector{};
            for (std::uint64_t j = 0; j < vector.size(); ++j) {
                const std::uint64_t x = mix64(item.hash + j);
                // [-1, 1), rounded to 6 decimals so float and base64 answers agree.
                const double v = static_cast<double>(x >> 11) * 0x1p-52 - 1.0;
                vector[j] = static_cast<float>(std::round(v * 1e6) / 1e6);
            }
            if (scan_.base64) {
                // What OpenAI sends for encoding_format "base64": float32 little-endian bytes.
                body_ += '"';
                put_base64(body_, reinterpret_cast<const unsigned char*>(vector.data()),
                           vector.size() * sizeof(float));
                body_ += '"';
            } else {
                body_ += '[';
                for (std::size_t j = 0; j < vector.size(); ++j) {
                    char b[32];
                    auto res = std::to_chars(b, b + sizeof b, vector[j], std::chars_format::fixed, 6);
                    if (j) body_ += ',';
                    body_.append(b, res.ptr);
                }
                body_ += ']';
            }
            body_ += '}';
        }
        body_ += "],\"model\":\"";
        put_escaped(body_, scan_.model);
        body_ += "\",\"usage\":{\"prompt_tokens\":";
        put_uint(body_, scan_.prompt_tokens());
        body_ += ",\"total_tokens\":";
        put_uint(body_, scan_.prompt_tokens());
        body_ += "}}";
        co_return co_await send_body("application/json");
    }

    // An Anthropic Messages answer into body_.
    void put_message(const Plan& p, std::uint64_t id) {
        body_ += R"({"id":"msg_mock_)";
        put_uint(body_, id);
        body_ += R"(","type":"message","role":"assistant","model":")";
        put_escaped(body_, scan_.model);
        body_ += R"(","content":[{"type":"text","text":")";
        put_text(body_, p.words);
        body_ += R"("}],"stop_reason":")";
        body_ += anthropic_stop_reason(p);
        body_ += R"(","stop_sequence":null,"usage":{"input_tokens":)";
        put_uint(body_, p.prompt_tokens);
        body_ += R"(,"output_tokens":)";
        put_uint(body_, static_cast<std::uint64_t>(p.words));
        body_ += "}}";
    }

    // A GenerateContentResponse with words [from, to) into body_ (or ev_'s data for streams);
    // `last`: with finishReason and usageMetadata.
    void put_gemini_response(const Plan& p, std::uint64_t id, int from, int to, bool last, std::string* into = nullptr) {
        std::string& o = into ? *into : body_;
        o += R"({"candidates":[{"content":{"parts":[{"text":")";
        for (int k = from; k < to; ++k) {
            if (k) o += ' ';
            put_word(o, k);
        }
        o += R"("}],"role":"model"},"index":0)";
        if (last) {
            o += R"(,"finishReason":")";
            o += p.finish_reason == "length" ? "MAX_TOKENS" : "STOP";
            o += '"';
        }
        o += '}';
        o += ']';
        if (last) {
            o += R"(,"usageMetadata":{"promptTokenCount":)";
            put_uint(o, p.prompt_tokens);
            o += R"(,"candidatesTokenCount":)";
            put_uint(o, static_cast<std::uint64_t>(p.words));
            o += R"(,"totalTokenCount":)";
            put_uint(o, p.prompt_tokens + static_cast<std::uint64_t>(p.words));
            o += '}';
        }
        o += R"(,"modelVersion":")";
        put_escaped(o, scan_.model);
        o += R"(","responseId":"mock-)";
        put_uint(o, id);
        o += "\"}";
    }

    static string_view anthropic_stop_reason(const Plan& p) {
        return p.finish_reason == "length" ? "max_tokens" : "end_turn";
    }

    // Event k of an Anthropic Messages stream ("event: ...\ndata: ...\n\n") into ev_.
    void build_message_event(const Plan& p, std::size_t k, std::uint64_t id) {
        ev_.clear();
        const std::size_t n = p.count();
        if (k == 0) {
            ev_ += "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_mock_";
            put_uint(ev_, id);
            ev_ += R"(","type":"message","role":"assistant","model":")";
            put_escaped(ev_, scan_.model);
            ev_ += R"(","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":)";
            put_uint(ev_, p.prompt_tokens);
            ev_ += ",\"output_tokens\":1}}}\n\n";
        } else if (k == 1) {
            ev_ += "event: content_block_start\ndata: "
                   R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"
                   "\n\n";
        } else if (p.is_word(k)) {
            const auto word = static_cast<int>(k - p.first_word());
            ev_ += "event: content_block_delta\ndata: "
                   R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")";
            if (word) ev_ += ' ';
            put_word(ev_, word);
            ev_ += "\"}}\n\n";
        } else if (k == n - 3) {
            ev_ += "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
        } else if (k == n - 2) {
            ev_ += "event: message_delta\ndata: "
                   R"({"type":"message_delta","delta":{"stop_reason":")";
            ev_ += anthropic_stop_reason(p);
            ev_ += R"(","stop_sequence":null},"usage":{"output_tokens":)";
            put_uint(ev_, static_cast<std::uint64_t>(p.words));
            ev_ += "}}\n\n";
        } else {
            ev_ += "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        }
    }

    // The error event of the error-event fault: the provider gives up mid-answer.
    void build_error_event(Kind kind) {
        ev_.clear();
        if (kind == Kind::messages) {
            ev_ += "event: error\ndata: ";
            put_anthropic_error(ev_, 529, "Overloaded");
        } else if (kind == Kind::gemini) {
            ev_ += "data: ";
            put_gemini_error(ev_, 503, "The model is overloaded.");
        } else {
            ev_ += "data: ";
            put_error(ev_, "Overloaded", "server_error", {}, {});
        }
        ev_ += "\n\n";
    }

    // Build event k of the plan ("data: ...\n\n") into ev_.
    void build_event(const Plan& p, std::size_t k, std::uint64_t id, std::uint64_t created) {
        if (p.kind == Kind::messages) {
            build_message_event(p, k, id);
            return;
        }
        if (p.kind == Kind::gemini) {  // Gemini's SSE lines end in CRLF
            ev_.clear();
            ev_ += "data: ";
            const auto word = static_cast<int>(k);
            put_gemini_response(p, id, word, std::min(word + 1, p.words), k + 1 == p.count(), &ev_);
            ev_ += "\r\n\r\n";
            return;
        }
        ev_.clear();
        ev_ += "data: ";
        const std::size_t n = p.count();
        if (k == n - 1) {
            ev_ += "[DONE]\n\n";
            return;
        }
        const bool chat = p.kind == Kind::chat;
        ev_ += chat ? "{\"id\":\"chatcmpl-mock-" : "{\"id\":\"cmpl-mock-";
        put_uint(ev_, id);
        ev_ += chat ? "\",\"object\":\"chat.completion.chunk\",\"created\":"
                    : "\",\"object\":\"text_completion\",\"created\":";
        put_uint(ev_, created);
        ev_ += ",\"model\":\"";
        put_escaped(ev_, scan_.model);
        ev_ += "\",\"choices\":[";
        const std::size_t finish = p.first_word() + p.words;
        if (p.include_usage && k == finish + 1) {
            ev_ += "],\"usage\":";
            put_usage(ev_, p.prompt_tokens, static_cast<std::uint64_t>(p.words));
            ev_ += "}\n\n";
            return;
        }
        const auto word = static_cast<int>(k - p.first_word());
        if (chat) {
            if (k < p.first_word()) {
                ev_ += "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}";
            } else if (k < finish) {
                ev_ += "{\"index\":0,\"delta\":{\"content\":\"";
                if (word) ev_ += ' ';
                put_word(ev_, word);
                ev_ += "\"}";
            } else {
                ev_ += "{\"index\":0,\"delta\":{}";
            }
        } else {
            ev_ += "{\"text\":\"";
            if (k < finish) {
                if (word) ev_ += ' ';
                put_word(ev_, word);
            }
            ev_ += "\",\"index\":0";
        }
        ev_ += ",\"logprobs\":null,\"finish_reason\":";
        if (k < finish) {
            ev_ += "null";
        } else {
            ev_ += '"';
            ev_ += p.finish_reason;
            ev_ += '"';
        }
        // chat chunks carry "usage": null when usage was requested (as OpenAI does); completion
        // chunks leave it out (CreateCompletionResponse does not allow a null usage)
        ev_ += chat && p.include_usage ? "}],\"usage\":null}\n\n" : "}]}\n\n";
    }

    void frame(string_view piece) {
        if (chunked_) {
            put_hex(out_, piece.size());
            out_ += "\r\n";
            out_ += piece;
            out_ += "\r\n";
        } else {
            out_ += piece;
        }
    }

    net::awaitable<Next> stream(const Plan& p, std::uint64_t id, std::uint64_t created) {
        const Fault f = req_.fault;
        const bool mid = f == Fault::reset_mid_stream || f == Fault::close_mid_stream ||
                         f == Fault::truncate_stream || f == Fault::short_body;
        const bool error_event = f == Fault::error_event;
        const bool split = f == Fault::split_events;
        const auto delay =
            req_.delay_ms >= 0 ? std::chrono::milliseconds(req_.delay_ms) : s_.opts.chunk_delay;
        const std::size_t n = p.count();
        const std::size_t end = mid || error_event ? std::min(p.fault_point(), n) : n;
        if (!chunked_) conn_ = Conn::close;  // HTTP/1.0: close-delimited body

        out_.clear();
        put_head(out_, 200, "text/event-stream", -1, chunked_, conn_, s_.stream_extra_headers);
        if (delay.count() <= 0 && !split) {  // everything (up to a fault) in one write
            for (std::size_t k = 0; k < end; ++k) {
                build_event(p, k, id, created);
                frame(ev_);
            }
            if (error_event) {
                build_error_event(p.kind);
                frame(ev_);
            }
            if (!mid && chunked_) out_ += "0\r\n\r\n";
            const bool sent = co_await send(out_);
            if (!sent) co_return Next::done;
        } else {
            const bool sent = co_await send(out_);
            if (!sent) co_return Next::done;
            for (std::size_t k = 0; k < end; ++k) {
                if (delay.count() > 0 && p.is_word(k)) {
                    const bool alive = co_await pause(delay);
                    if (!alive) co_return aborted();
                }
                build_event(p, k, id, created);
                if (split) {
                    // "data: {...<cut>...}\n<cut>\n": inside the data line, then between the \n
                    const std::size_t len = ev_.size();
                    const std::size_t cuts[] = {0, 6 + (len - 8) / 2, len - 1, len};
                    for (int i = 0; i < 3; ++i) {
                        if (i) {
                            const bool alive = co_await pause(kSplitGap);
                            if (!alive) co_return aborted();
                        }
                        out_.clear();
                        frame(string_view(ev_).substr(cuts[i], cuts[i + 1] - cuts[i]));
                        const bool piece_sent = co_await send(out_);
                        if (!piece_sent) co_return Next::done;
                    }
                } else {
                    out_.clear();
                    frame(ev_);
                    const bool event_sent = co_await send(out_);
                    if (!event_sent) co_return Next::done;
                }
            }
            if (error_event) {
                if (delay.count() > 0) {  // a separate arrival, like the events before it
                    const bool alive = co_await pause(delay);
                    if (!alive) co_return aborted();
                }
                build_error_event(p.kind);
                out_.clear();
                frame(ev_);
                const bool error_sent = co_await send(out_);
                if (!error_sent) co_return Next::done;
            }
            if (!mid && chunked_) {
                const bool end_sent = co_await send("0\r\n\r\n");
                if (!end_sent) co_return Next::done;
            }
        }
        if (f == Fault::reset_mid_stream) {
            reset();
            co_return Next::done;
        }
        if (!chunked_) co_return Next::close;
        if (f == Fault::close_mid_stream || f == Fault::short_body) co_return Next::close;
        if (f == Fault::truncate_stream) {
            const bool end_sent = co_await send("0\r\n\r\n");
            if (!end_sent) co_return Next::done;
        }
        co_return after_response();
    }
};

void report_exception(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        std::fprintf(stderr, "llm-mock: %s\n", x.what());
    } catch (...) {
        std::fprintf(stderr, "llm-mock: unknown exception\n");
    }
}

template <class Stream>
net::awaitable<void> serve(Shared& s, Socket sock, OpenGuard) {
    Connection<Stream> c(s, std::move(sock));
    co_await c.run();
}

net::awaitable<void> accept_loop(Shared& s, Acceptor& acceptor,
                                 std::vector<std::unique_ptr<net::io_context>>& iocs) {
    Timer backoff(acceptor.get_executor());
    std::size_t next = 0;
    for (;;) {
        net::io_context& target = *iocs[next];
        if (++next == iocs.size()) next = 0;
        auto [ec, sock] = co_await acceptor.async_accept(target.get_executor(), use_tuple);
        if (ec) {
            if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
            backoff.expires_after(10ms);  // e.g. EMFILE: let connections drain
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        beast::error_code ignored;
        sock.set_option(tcp::no_delay(true), ignored);
        s.accepted.fetch_add(1, std::memory_order_relaxed);
        if (s.tls)
            net::co_spawn(target, serve<TlsStream>(s, std::move(sock), OpenGuard(s)),
                          report_exception);
        else
            net::co_spawn(target, serve<Socket>(s, std::move(sock), OpenGuard(s)),
                          report_exception);
    }
}

tcp::endpoint resolve(const std::string& host, std::uint16_t port) {
    beast::error_code ec;
    const auto address = net::ip::make_address(host, ec);
    if (!ec) return {address, port};
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port));  // throws if unknown
    return results.begin()->endpoint();
}

}  // namespace

// ------------------------------------------------------------------------------------------

struct MockServer::Impl {
    explicit Impl(Options o) : shared(std::move(o)) {}

    Shared shared;  // outlives the io_contexts (declared first)
    std::vector<std::unique_ptr<net::io_context>> iocs;
    std::vector<net::executor_work_guard<Executor>> guards;
    std::unique_ptr<Acceptor> acceptor;
    std::vector<std::thread> threads;
    std::uint16_t port = 0;
    bool running = false;

    void teardown() {
        for (auto& ioc : iocs) ioc->stop();
        for (auto& t : threads)
            if (t.joinable()) t.join();
        threads.clear();
        guards.clear();
        acceptor.reset();
        for (auto& ioc : iocs) ioc.reset();  // destroys pending coroutines, closes sockets
        iocs.clear();
        running = false;
    }
};

MockServer::MockServer(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

MockServer::~MockServer() { stop(); }

void MockServer::start() {
    Impl& im = *impl_;
    if (im.running) return;
    Options& o = im.shared.opts;
    if (o.tls_cert_pem.empty() != o.tls_key_pem.empty())
        throw std::invalid_argument("llm-mock: tls_cert_pem and tls_key_pem must both be set");
    if (im.shared.default_fault == Fault::unknown)
        throw std::invalid_argument("llm-mock: unknown default fault '" + o.fault + "'");
    const auto is_error_status = [](int status) { return status >= 400 && status <= 599; };
    if (o.status != 0 && !is_error_status(o.status))
        throw std::invalid_argument("llm-mock: the default status must be 400-599");
    for (const auto& [key, status] : o.status_for_key) {
        if (!is_error_status(status))
            throw std::invalid_argument("llm-mock: a key's status must be 400-599");
    }
    try {
        if (!o.tls_cert_pem.empty()) {
            auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
            ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1);
            ctx->use_certificate_chain(net::buffer(o.tls_cert_pem));
            ctx->use_private_key(net::buffer(o.tls_key_pem), ssl::context::pem);
            im.shared.tls = std::move(ctx);
        }
        const unsigned n = std::max(1u, o.threads);
        for (unsigned i = 0; i < n; ++i) {
            im.iocs.push_back(std::make_unique<net::io_context>(1));
            im.guards.push_back(net::make_work_guard(im.iocs.back()->get_executor()));
        }
        const tcp::endpoint ep = resolve(o.host, o.port);
        im.acceptor = std::make_unique<Acceptor>(im.iocs[0]->get_executor());
        im.acceptor->open(ep.protocol());
        im.acceptor->set_option(net::socket_base::reuse_address(true));
        im.acceptor->bind(ep);
        im.acceptor->listen(net::socket_base::max_listen_connections);
        im.port = im.acceptor->local_endpoint().port();
        net::co_spawn(*im.iocs[0], accept_loop(im.shared, *im.acceptor, im.iocs),
                      report_exception);
        for (auto& ioc : im.iocs)
            im.threads.emplace_back([io = ioc.get()] { io->run(); });
        im.running = true;
    } catch (...) {
        im.teardown();
        throw;
    }
}

void MockServer::stop() { impl_->teardown(); }

std::uint16_t MockServer::port() const { return impl_->port; }

std::vector<RecordedRequest> MockServer::requests() const {
    std::lock_guard lock(impl_->shared.mu);
    return impl_->shared.recorded;
}

void MockServer::clear_requests() {
    std::lock_guard lock(impl_->shared.mu);
    impl_->shared.recorded.clear();
}

std::size_t MockServer::connections_accepted() const {
    return impl_->shared.accepted.load(std::memory_order_relaxed);
}

std::size_t MockServer::open_connections() const {
    return impl_->shared.open.load(std::memory_order_relaxed);
}

std::size_t MockServer::aborted_responses() const {
    return impl_->shared.aborted.load(std::memory_order_relaxed);
}

void MockServer::set_health_status(unsigned status) {
    impl_->shared.health_status.store(status, std::memory_order_relaxed);
}

}  // namespace llm_mock
