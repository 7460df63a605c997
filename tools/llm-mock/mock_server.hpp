// llm-mock: a fast OpenAI-compatible mock model server (HTTP/1.1 or HTTPS, keep-alive).
//
// Used by the gateway's default config, its integration tests and its benchmarks.
//
// Endpoints (all other method/path pairs: 404 with an OpenAI error body)
//   POST /v1/chat/completions   chat.completion, or chat.completion.chunk SSE with "stream": true
//   POST /v1/completions        text_completion (also streamed)
//   POST /v1/embeddings         list of 8-float embeddings, one per input
//   POST /v1/messages           Anthropic Messages: the same reply as a message, or Anthropic's
//                               SSE events with "stream": true (message_start,
//                               content_block_start, one text_delta per word,
//                               content_block_stop, message_delta, message_stop); max_tokens
//                               is required; errors (x-mock-status) in Anthropic's error shape,
//                               529 being overloaded_error; usage input_tokens / output_tokens
//   GET  /v1/models             one model "mock-model" (GET /v1/models/mock-model: that model)
//   GET  /health                200 {"status":"ok"}, or the status set_health_status() chose
//   POST /v1beta/models/{model}:generateContent | :streamGenerateContent (Gemini): the same
//                               reply as a GenerateContentResponse, or one SSE event per word
//                               (CRLF line ends), the last with finishReason and usageMetadata;
//                               errors (x-mock-status) in Google's shape
//   Azure OpenAI's /openai/deployments/{deployment}/{chat/completions|completions|embeddings}
//   (any query) is answered as the /v1/... path it stands for.
//
// Deterministic reply: the reply has `chunks` words; word 0 is "mock", word 1 is "reply",
// word k >= 2 is the decimal number k-1. With 8 chunks the text is "mock reply 1 2 3 4 5 6".
// A stream sends one event per word; every word event except the first carries the leading
// space (" reply", " 1", ...), so concatenating the deltas gives the non-streamed text.
// completion_tokens = number of words; prompt_tokens = max(1, bytes of all message contents
// (chat: messages[].content strings and content[].text parts; completions: prompt strings;
// embeddings: input strings) / 4), token-id arrays count one token per id.
// If the request has max_tokens (or max_completion_tokens) > 0 and smaller than the chunk
// count, only that many words are produced and finish_reason is "length".
//
// Streams (chat): [role event] [one event per word] [finish event] [usage event if
// stream_options.include_usage, and then every chunk carries "usage": null] [data: [DONE]].
// Streams (completions): [one event per word] [finish event] [usage event if requested; the
// other chunks have no "usage" field] [DONE]. Intermediate chunks have "finish_reason": null
// like OpenAI's (CreateCompletionResponse, which OpenAI reuses for chunks, lists no null).
// Timing: ttft before the response head; chunk_delay before each word event. With delay 0
// the whole stream is coalesced into one write; otherwise each event is its own write.
//
// Per-request controls (request headers):
//   x-mock-chunks: N        word count            x-mock-delay-ms: D  delay before each word
//   x-mock-ttft-ms: T       delay before the head x-mock-status: 4xx/5xx  error response
//   x-mock-fault: reset-before-headers | close-before-headers | hang | reset-mid-stream |
//                 close-mid-stream | truncate-stream | short-body | invalid-json | html |
//                 split-events | error-event | slow-first-byte (= x-mock-ttft-ms, no other effect)
//   Mid-stream faults act after 2 events (chat: the role event and the first word; messages:
//   after 3, message_start, content_block_start and the first word). error-event sends, at
//   that point, an error event (Anthropic's overloaded_error for messages, an OpenAI error
//   object otherwise) and ends the stream cleanly, without [DONE] / message_stop. On a
//   non-streaming request reset-mid-stream / close-mid-stream / short-body send the head and
//   half of the body, then RST / FIN. split-events writes every event as 3 HTTP chunks (split
//   inside the data: line, then between the two '\n'), 1 ms apart.
//   An unknown fault name or a malformed control value is answered with 400.
//
// Per-server defaults (Options), for tests with several replicas that behave differently:
// `status` and `fault` apply to every request without its own x-mock-status / x-mock-fault
// header (x-mock-fault: none turns a default fault off); `status_for_key` answers requests
// authorised with "Bearer <key>" with that status unless x-mock-status is given (it wins over
// `status`). `success_headers` are added to every 200 head (e.g. a provider's
// x-ratelimit-remaining-* report). Unset, they change nothing.
//
// aborted_responses() counts responses the mock could not finish because the peer went away:
// a failed write, or a FIN/RST seen while waiting (ttft, chunk delay, or a "hang" fault).
// A half-close (shutdown(SHUT_WR)) by the client during such a wait counts as going away.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llm_mock {

struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;                     // 0 = pick a free port
    unsigned threads = 1;                       // one io_context per thread; one acceptor
                                                // hands connections out round-robin
    int chunks = 8;                             // default stream chunk (word) count
    std::chrono::milliseconds chunk_delay{0};   // default delay between chunks
    std::chrono::milliseconds ttft{0};          // default delay before the response head
    int status = 0;                             // 400-599: default error status; 0 = none
    std::string fault;                          // default x-mock-fault value; "" = none
    std::map<std::string, int> status_for_key;  // bearer key -> status (400-599)
    std::string tls_cert_pem, tls_key_pem;      // both set: serve HTTPS instead of HTTP
    bool record = false;                        // keep every received request (tests)
    std::string success_headers;                // "Name: value\r\n" lines added to every 200
};

struct RecordedRequest {
    std::string method, target;
    std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
    std::string body;
};

class MockServer {
public:
    explicit MockServer(Options options);
    ~MockServer();  // stops and joins
    MockServer(const MockServer&) = delete;
    MockServer& operator=(const MockServer&) = delete;

    void start();  // binds, starts threads; returns when listening (throws if it cannot bind)
    void stop();   // stops the threads and closes every socket; idempotent

    std::uint16_t port() const;
    std::vector<RecordedRequest> requests() const;  // thread-safe copy
    void clear_requests();
    std::size_t connections_accepted() const;
    std::size_t open_connections() const;
    // Responses the mock could not finish because the peer closed/reset the connection.
    std::size_t aborted_responses() const;
    // What GET /health answers from now on (any thread): 200 (the default) or an error status,
    // so tests can make a backend fail its health checks while it still serves completions.
    void set_health_status(unsigned status);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace llm_mock
