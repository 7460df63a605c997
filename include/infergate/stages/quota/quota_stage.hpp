// Quota: requests, tokens, concurrency and spend, limited per key, per tenant and per model
// within them. Before the request it reserves a pessimistic estimate (prompt size estimate +
// max_tokens); after it, on_finish settles to the upstream's reported usage (or, if the
// stream broke or the client left, to what was relayed). Every answer carries the
// x-ratelimit-* headers of the tightest applicable limit.
#pragma once

#include "infergate/api/error.hpp"
#include "infergate/pipeline/stage.hpp"

namespace infergate::quota {

class QuotaStage final : public pipeline::Stage {
public:
    std::string_view name() const noexcept override { return "quota"; }
    // Decides at once with an in-memory store; a store that needs I/O is awaited instead.
    pipeline::Outcome on_request(pipeline::RequestContext& ctx) const override;
    net::awaitable<pipeline::Outcome> on_request_async(pipeline::RequestContext& ctx) const override;
    void on_finish(pipeline::RequestContext& ctx, const pipeline::Completion& done) const noexcept override;
};

// The prompt's size in tokens as quota reserves it (from the body's bytes): policies and
// quota must quote the same number.
std::int64_t estimate_prompt_tokens(std::string_view body) noexcept;

// For the stream relay, after each relayed content event (about one token each): whether the
// stream has passed the caller's max_stream_tokens and must be cut. A shadow cap is counted
// and logged once, never enforced.
bool stream_cap_exceeded(pipeline::RequestContext& ctx, std::int64_t relayed);
// The SSE error event's error for a stream cut by its cap.
api::Error stream_cap_error(const pipeline::RequestContext& ctx);

}  // namespace infergate::quota
