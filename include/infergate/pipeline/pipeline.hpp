// The ordered stages a proxied request passes through. The order is defined once, in
// make_pipeline(), with the reason for each position.
#pragma once

#include <vector>

#include "infergate/pipeline/stage.hpp"

namespace infergate::pipeline {

class Pipeline {
public:
    explicit Pipeline(std::vector<StagePtr> stages) : stages_(std::move(stages)) {}

    // Runs the stages in order until one rejects or responds. Remembers how many were entered.
    net::awaitable<Outcome> run_request(RequestContext& ctx, std::size_t& entered) const;
    // Runs on_finish of the entered stages in reverse order.
    void finish(RequestContext& ctx, const Completion& done, std::size_t entered) const noexcept;

    const std::vector<StagePtr>& stages() const noexcept { return stages_; }

private:
    std::vector<StagePtr> stages_;
};

// The data path's stages, in order.
Pipeline make_pipeline();

}  // namespace infergate::pipeline
