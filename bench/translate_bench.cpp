// bench/translate_bench.cpp: streaming translation throughput and heap allocations per event.
//
// One long synthetic stream per upstream format (message start, many short text deltas, a
// tool call with argument deltas, the finish, usage, the end) is replayed in read-sized pieces
// (events cut across reads) through the relay's loop: ProxyCall::translate_events' shape into a
// reused output buffer, then the relay's per-event pass over what the client is sent
// (ProxyCall::on_event for an OpenAI client, a count for an Anthropic one). Single-threaded,
// so events/s is per core. bench/translate.sh runs it and writes docs/performance.md.
//
//   translate_bench [--events N] [--passes P] [--read BYTES] [--path NAME]
//
// Prints one line per path on stdout:
//   BENCH path=NAME events=E input_bytes=B passes=P read=R ns_per_event=.. events_per_s=..
//         out_bytes_per_event=.. allocs_per_stream=.. allocs_per_event=..
// ns_per_event is the median pass's (upstream events); allocations are operator new calls after
// a warm-up pass: per event the slope between two stream lengths, per stream the rest.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/stages/transform/stream_translation.hpp"
#include "infergate/streaming/sse.hpp"

// --- allocation counting: every operator new in the process goes through here ---------------

namespace {
std::atomic<std::size_t> g_allocations{0};

void* counted_alloc(std::size_t size, std::size_t align) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (size == 0) size = 1;
    void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (size + align - 1) / align * align)
                                                : std::malloc(size);
    if (!p) throw std::bad_alloc();
    return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n, 0); }
void* operator new[](std::size_t n) { return counted_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try { return counted_alloc(n, 0); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try { return counted_alloc(n, 0); } catch (...) { return nullptr; }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

using infergate::transform::StreamTranslation;
using Wire = infergate::pipeline::UpstreamRequest::Wire;
namespace sse = infergate::sse;

// --- the synthetic streams ------------------------------------------------------------------

// Model-sized tokens, with the escapes and multi-byte UTF-8 real answers carry.
constexpr std::string_view kTokens[] = {
    "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".",
    "\\n\\n", " It", " said", " \\\"hello\\\"", " to", " the", " café", " owner", ",", " twice",
};
constexpr std::string_view kArgs[] = {"{\\\"location\\\": \\\"", "San Fra", "ncisco", ", CA\\\"", ", \\\"unit\\\"",
                                      ": \\\"cel", "sius\\\"", ", \\\"days\\\": 7"};

struct Shape {
    std::size_t text_deltas;
    std::size_t arg_deltas;  // one tool call's argument fragments (Gemini sends the call whole)
};

std::string anthropic_stream(const Shape& shape) {
    std::string s;
    auto event = [&s](std::string_view name, std::string_view data_head, std::string_view body = {},
                      std::string_view data_tail = {}) {
        s.append("event: ").append(name).append("\ndata: ").append(data_head).append(body).append(data_tail).append("\n\n");
    };
    event("message_start",
          R"({"type":"message_start","message":{"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}})");
    event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
    event("ping", R"({"type": "ping"})");
    for (std::size_t i = 0; i < shape.text_deltas; ++i) {
        event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")",
              kTokens[i % std::size(kTokens)], R"("}})");
    }
    event("content_block_stop", R"({"type":"content_block_stop","index":0})");
    event("content_block_start",
          R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}})");
    event("content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})");
    for (std::size_t i = 0; i < shape.arg_deltas; ++i) {
        event("content_block_delta",
              R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":")",
              kArgs[i % std::size(kArgs)], R"("}})");
    }
    event("content_block_stop", R"({"type":"content_block_stop","index":1})");
    event("message_delta",
          R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":100089}})");
    event("message_stop", R"({"type":"message_stop"})");
    return s;
}

std::string openai_stream(const Shape& shape) {
    constexpr std::string_view head =
        R"(data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_b376dfbbd5","choices":[)";
    std::string s;
    auto chunk = [&](std::string_view a, std::string_view b = {}, std::string_view c = {}) {
        s.append(head).append(a).append(b).append(c).append("\n\n");
    };
    chunk(R"({"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})");
    for (std::size_t i = 0; i < shape.text_deltas; ++i) {
        chunk(R"({"index":0,"delta":{"content":")", kTokens[i % std::size(kTokens)],
              R"("},"logprobs":null,"finish_reason":null}]})");
    }
    chunk(R"({"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]})");
    for (std::size_t i = 0; i < shape.arg_deltas; ++i) {
        chunk(R"({"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":")", kArgs[i % std::size(kArgs)],
              R"("}}]},"logprobs":null,"finish_reason":null}]})");
    }
    chunk(R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]})");
    chunk(R"(],"usage":{"prompt_tokens":472,"completion_tokens":100089,"total_tokens":100561}})");
    s += "data: [DONE]\n\n";
    return s;
}

std::string gemini_stream(const Shape& shape) {
    constexpr std::string_view tail =
        R"(,"modelVersion":"gemini-2.5-flash","responseId":"mK4xaPq2FbGZ1MkP8Ja1kAQ"})";
    std::string s;
    auto usage = [](std::size_t out) {
        return R"(,"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":)" + std::to_string(out) +
               R"(,"totalTokenCount":)" + std::to_string(out + 40) + "}";
    };
    for (std::size_t i = 0; i < shape.text_deltas; ++i) {
        s.append(R"(data: {"candidates":[{"content":{"parts":[{"text":")")
            .append(kTokens[i % std::size(kTokens)])
            .append(R"("}],"role":"model"},"index":0}])")
            .append(usage(i + 1))
            .append(tail)
            .append("\n\n");
    }
    s.append(R"(data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"location":"San Francisco, CA","unit":"celsius","days":7}}}],"role":"model"},"index":0,"finishReason":"STOP"}])")
        .append(usage(shape.text_deltas + 20))
        .append(tail)
        .append("\n\n");
    return s;
}

std::size_t count_events(std::string_view bytes) {
    std::size_t n = 0;
    for (std::size_t size; (size = sse::find_event_end(bytes)) != sse::npos; bytes.remove_prefix(size)) ++n;
    return n;
}

// --- the relay's loop -----------------------------------------------------------------------

struct Path {
    const char* name;
    Wire wire;
    bool anthropic_client;  // the relay only counts an Anthropic client's events
    const std::string* sources;  // the stream, and one about half as long
};

// What the relay keeps per connection and reuses for every stream.
struct Buffers {
    std::string relay = std::string(16 * 1024, '\0');  // kRelayBufferStart
    std::string translated;
};

struct Pass {
    std::size_t out_bytes = 0;
    std::size_t out_events = 0;
    bool done = false;  // ended as it should: [DONE] seen, or the translation finished cleanly
    bool usage = false;
};

// The relay's pass over the client's events (ProxyCall::on_event / count_event); returns the
// bytes of the complete events in `events`.
std::size_t forward(std::string_view events, bool anthropic_client, bool& content_seen, Pass& pass) {
    std::size_t consumed = 0;
    for (;;) {
        const std::size_t size = sse::find_event_end(events.substr(consumed));
        if (size == sse::npos) break;
        ++pass.out_events;
        if (!anthropic_client) {
            const std::string_view event = events.substr(consumed, size);
            if (const auto data = sse::first_data(event)) {
                if (*data == "[DONE]") {
                    pass.done = true;
                } else {
                    if (!content_seen && sse::carries_content(*data)) content_seen = true;
                    if (sse::find_usage(*data)) pass.usage = true;
                }
            }
        }
        consumed += size;
    }
    return consumed;
}

// ProxyCall::translate_events, verbatim in shape.
std::size_t translate_events(StreamTranslation& translation, std::string& upstream, std::size_t pending,
                             std::string& out, bool body_ended) {
    std::size_t used = 0;
    while (!translation.finished()) {
        const std::size_t size = sse::find_event_end(std::string_view(upstream.data() + used, pending - used));
        if (size == sse::npos) break;
        translation.on_event(std::string_view(upstream.data() + used, size), out);
        used += size;
    }
    if (body_ended && !translation.finished()) translation.on_body_end(out);
    if (translation.finished()) used = pending;
    std::memmove(upstream.data(), upstream.data() + used, pending - used);
    return pending - used;
}

// One stream, as the relay handles it: a fresh translation, the bytes arriving `read` at a time.
Pass run_stream(const Path& path, const std::string& source, std::size_t read, Buffers& buffers) {
    Pass pass;
    auto translation = infergate::transform::make_stream_translation(
        path.wire, {.created = 1741569952, .include_usage = true, .backend = "bench"});
    std::string& relay = buffers.relay;
    std::string& translated = buffers.translated;
    translated.clear();
    bool content_seen = false;
    std::size_t pending = 0;
    for (std::size_t fed = 0; fed < source.size();) {
        const std::size_t n = std::min(read, source.size() - fed);
        if (relay.size() - pending < n) relay.resize(std::max(relay.size() * 2, pending + n));
        std::memcpy(relay.data() + pending, source.data() + fed, n);  // the socket read
        fed += n;
        pending += n;
        if (translation) {
            pending = translate_events(*translation, relay, pending, translated, fed == source.size());
            const std::size_t sent = forward(translated, path.anthropic_client, content_seen, pass);
            pass.out_bytes += sent;
            // The relay keeps a partial event at the front; a translator writes whole events.
            translated.erase(0, sent);
        } else {
            const std::size_t sent = forward(std::string_view(relay.data(), pending), false, content_seen, pass);
            pass.out_bytes += sent;
            std::memmove(relay.data(), relay.data() + sent, pending - sent);
            pending -= sent;
        }
    }
    if (translation) {
        pass.done = translation->finished() && !translation->error();
        pass.usage = translation->usage().has_value();
        if (translation->error()) std::fprintf(stderr, "%s: %s\n", path.name, translation->error()->message.c_str());
    }
    return pass;
}

struct Options {
    std::size_t events = 100000;
    std::size_t passes = 5;
    std::size_t read = 4096;
    std::string only;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--events") o.events = std::strtoull(argv[i + 1], nullptr, 10);
        else if (flag == "--passes") o.passes = std::strtoull(argv[i + 1], nullptr, 10);
        else if (flag == "--read") o.read = std::strtoull(argv[i + 1], nullptr, 10);
        else if (flag == "--path") o.only = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: %s [--events N] [--passes P] [--read BYTES] [--path NAME]\n", argv[0]);
            std::exit(2);
        }
    }
    if (argc % 2 == 0 || o.events == 0 || o.passes == 0 || o.read == 0) {
        std::fprintf(stderr, "usage: %s [--events N] [--passes P] [--read BYTES] [--path NAME]\n", argv[0]);
        std::exit(2);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    // Allocations per event are the difference between two stream lengths, so that what a
    // stream allocates once (the translator, its chunk head) is told from what each event does.
    const Shape shape{.text_deltas = options.events, .arg_deltas = std::max<std::size_t>(options.events / 100, 1)};
    const Shape half{.text_deltas = options.events / 2 + 1, .arg_deltas = shape.arg_deltas / 2 + 1};
    const std::string anthropic[] = {anthropic_stream(shape), anthropic_stream(half)};
    const std::string openai[] = {openai_stream(shape), openai_stream(half)};
    const std::string gemini[] = {gemini_stream(shape), gemini_stream(half)};
    const Path paths[] = {
        {"openai-passthrough", Wire::openai, false, openai},
        {"anthropic-to-openai", Wire::anthropic, false, anthropic},
        {"gemini-to-openai", Wire::gemini, false, gemini},
        {"openai-to-anthropic", Wire::messages_to_openai, true, openai},
        {"anthropic-passthrough", Wire::messages_passthrough, true, anthropic},
    };
    bool ok = true;
    for (const Path& path : paths) {
        if (!options.only.empty() && options.only != path.name) continue;
        const std::string& source = path.sources[0];
        const std::size_t events = count_events(source);
        const std::size_t short_events = count_events(path.sources[1]);
        Buffers buffers;
        Pass pass = run_stream(path, source, options.read, buffers);  // warm-up: the buffers grow here
        if (!pass.done || !pass.usage || pass.out_events < options.events) {
            std::fprintf(stderr, "%s: the stream did not translate cleanly (done %d, usage %d, %zu events out)\n",
                         path.name, pass.done, pass.usage, pass.out_events);
            ok = false;
            continue;
        }
        std::vector<double> ns;
        ns.reserve(options.passes);  // before counting: the bench's own allocations stay out
        std::size_t allocations = g_allocations.load();
        for (std::size_t p = 0; p < options.passes; ++p) {
            const auto start = std::chrono::steady_clock::now();
            pass = run_stream(path, source, options.read, buffers);
            ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
        }
        const double per_long = static_cast<double>(g_allocations.load() - allocations) / options.passes;
        allocations = g_allocations.load();
        const Pass short_pass = run_stream(path, path.sources[1], options.read, buffers);
        const double per_short = static_cast<double>(g_allocations.load() - allocations);
        if (!short_pass.done) ok = false;
        const double per_event = (per_long - per_short) / static_cast<double>(events - short_events);
        const double per_stream = per_long - per_event * static_cast<double>(events);

        std::sort(ns.begin(), ns.end());
        const double median = ns[ns.size() / 2];
        const double e = static_cast<double>(events);
        std::printf("BENCH path=%s events=%zu input_bytes=%zu passes=%zu read=%zu ns_per_event=%.1f "
                    "events_per_s=%.0f out_bytes_per_event=%.1f allocs_per_stream=%.1f allocs_per_event=%.3f\n",
                    path.name, events, source.size(), options.passes, options.read, median / e,
                    e * 1e9 / median, static_cast<double>(pass.out_bytes) / e, per_stream, per_event);
        std::fflush(stdout);
    }
    return ok ? 0 : 1;
}
