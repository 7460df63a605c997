// Everything one request carries through the pipeline. Owned by the connection's session and
// touched only on its worker thread, so it needs no locks. Stages fill their slots in order.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/api/endpoint.hpp"
#include "infergate/api/error.hpp"
#include "infergate/api/openai_request.hpp"
#include "infergate/net.hpp"
#include "infergate/stages/auth/principal.hpp"
#include "infergate/stages/quota/quota_store.hpp"
#include "infergate/streaming/sse.hpp"
#include "infergate/tls/peer_certificate.hpp"

namespace infergate {
struct Snapshot;
}
namespace infergate::auth {
class KeyMemo;
}
namespace infergate::cache {
class Fill;
}
namespace infergate::routing {
struct Route;
struct RouteTarget;
}  // namespace infergate::routing

namespace infergate::pipeline {

using Clock = std::chrono::steady_clock;

// The request as it will be sent to the current attempt's target (built by the transform
// stage, and again for each retry or fallback on another target).
struct UpstreamRequest {
    // Which formats meet: the client's (OpenAI's, or Anthropic's on /v1/messages) and the
    // target's. Only `openai` relays the upstream's answer as it is.
    enum class Wire : std::uint8_t {
        openai,                // OpenAI client, OpenAI-compatible (or Azure) backend
        anthropic,             // OpenAI client, Anthropic backend
        gemini,                // OpenAI client, Gemini backend
        messages_to_openai,    // Anthropic client, OpenAI-compatible (or Azure) backend
        messages_passthrough,  // Anthropic client, Anthropic backend: relayed, usage read aside
    };
    std::string target;                 // path and query, e.g. "/v1/chat/completions"
    std::string rewritten;              // the body, when it had to change for this target
    // What is sent as the body, in order: `body`, `splice`, `body_rest`. `body` is `rewritten`
    // or the client's own bytes. Where the gateway only renames the model or adds a member, the
    // change is `splice` (placed at the model's token) and the client's bytes on either side are
    // sent from where they are: a prompt of megabytes is not copied to rename its model.
    std::string_view body;
    std::string splice;
    std::string_view body_rest;
    Wire wire = Wire::openai;
    bool include_usage = false;         // translated streams: the client asked for the usage chunk
    std::optional<api::Error> error;    // this target cannot serve the request (e.g. embeddings
                                        // from a provider without them): the attempt's answer
};

// A 200 answer a stage gives itself (a cache hit), written instead of going upstream.
struct Reply {
    std::shared_ptr<const std::string> body;  // shared with the cache entry when it can be
    bool event_stream = false;                // an SSE stream (chunked), else JSON
};

struct RequestContext {
    RequestContext(const Snapshot& snapshot, const http::request_header<>& headers)
        : snapshot(snapshot), headers(headers) {}

    const Snapshot& snapshot;           // pinned for the whole request
    const http::request_header<>& headers;  // the client's, read-only
    net::ip::address client_address;    // the TCP peer (forwarding headers are not trusted)
    // The client's verified TLS certificate (server.tls.client_auth); null: none or plain HTTP.
    const tls::PeerCertificate* peer_certificate = nullptr;
    std::string_view request_id;
    api::Endpoint endpoint = api::Endpoint::unknown;
    Clock::time_point received_at = Clock::now();
    std::string body;                   // the client's body (moved out of the parser), kept
                                        // whole for every attempt
    api::ProxyRequest request;          // fields read from the body
    // Extra response header lines ("name: value\r\n") for every answer to this request,
    // whatever its outcome: the rate-limit headers, WWW-Authenticate.
    std::string response_headers;

    // auth
    auth::KeyMemo* key_memo = nullptr;  // the connection's last key (null: none kept)
    auth::Principal principal;
    std::string credential_fingerprint; // of a refused credential, for the access log
    // quota
    quota::Admission admission;         // holds the reservation until on_finish settles it
    quota::Amount reserved;
    std::int64_t prompt_estimate = 0;   // tokens, from the body size
    bool inject_stream_usage = false;   // ask the upstream for stream usage the client did not
    // The tightest max_stream_tokens of the caller's scopes (0: none), enforced and shadow.
    struct StreamCap {
        std::int64_t limit = 0;
        std::string_view scope;         // "key" or "tenant"
        std::string_view name;          // into `principal`
        bool per_model = false;
    };
    StreamCap stream_cap, shadow_stream_cap;

    // policy: header lines ("name: value\r\n") added to every upstream request, and the
    // lowercase names of client headers not forwarded (added names included: add means set).
    std::string extra_upstream_headers;
    std::vector<std::string> dropped_upstream_headers;
    bool drops_upstream_header(std::string_view name) const noexcept {
        for (const std::string& dropped : dropped_upstream_headers) {
            if (beast::iequals(dropped, name)) return true;
        }
        return false;
    }

    // routing (the attempt loop moves route and target on for retries and fallbacks)
    const routing::Route* route = nullptr;
    const routing::RouteTarget* target = nullptr;
    std::size_t target_index = 0;       // of target within route->targets
    std::string_view routed_by;         // the routing rule that chose the model, if any
    std::uint64_t affinity_hash = 0;    // prefix_affinity routes: the prompt prefix's hash
    // cache
    std::optional<Reply> reply;               // with Outcome::respond()
    std::shared_ptr<cache::Fill> cache_fill;  // a cacheable miss: fed the answer the client saw
    // transform
    UpstreamRequest upstream;
};

// How the request ended; the same record feeds on_finish, metrics and the access log.
struct Completion {
    unsigned status = 0;
    std::string code;                   // error code; empty on success
    bool client_disconnected = false;   // logged as status 499
    std::optional<sse::Usage> usage;    // as reported by the upstream
    std::optional<Clock::time_point> upstream_head_at;
    std::optional<Clock::time_point> first_event_at;  // streams: first event sent to the client
    std::int64_t events_relayed = 0;
    std::uint64_t bytes_out = 0;
    std::string failed_attempts;        // for the access log (AccessRecord::attempts)
};

}  // namespace infergate::pipeline
