// Cache: answers a repeated deterministic request from the response cache (a hit), or marks a
// cacheable miss so that its complete 200 answer is stored when the request finishes.
// After quota: a hit still counts against the caller's request-rate limits; its token
// reservation is released uncharged (nothing was paid upstream). Before transform: a hit
// needs no upstream body.
#pragma once

#include "infergate/pipeline/stage.hpp"

namespace infergate::cache {

class CacheStage final : public pipeline::Stage {
public:
    std::string_view name() const noexcept override { return "cache"; }
    pipeline::Outcome on_request(pipeline::RequestContext& ctx) const override;
    void on_finish(pipeline::RequestContext& ctx, const pipeline::Completion& done) const noexcept override;
};

}  // namespace infergate::cache
