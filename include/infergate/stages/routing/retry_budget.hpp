// Per-route retry budget, as in Linkerd and Envoy: retries may add at most `ratio` of the
// route's requests on top of them, with a floor of `min_retries_per_second` so that a quiet
// route can still retry. A backend in trouble then sees at most (1 + ratio) times its normal
// load instead of a retry storm.
//
// Counts live in a lock-free ring of one-second buckets (WindowCounts): recording a request is
// one compare-exchange on a shared atomic; try_retry() sums the window (10 buckets by default).
#pragma once

#include <cstdint>

#include "infergate/stages/routing/steady_time.hpp"
#include "infergate/stages/routing/window_counts.hpp"

namespace infergate::routing {

class RetryBudget {
public:
    explicit RetryBudget(double ratio = 0.2, std::uint32_t min_retries_per_second = 10,
                         Duration window = std::chrono::seconds(10));

    // One original request (not a retry) on the route.
    void record_request(TimePoint now) noexcept;
    // Whether one more retry fits: retries in the window stay under
    // max(min_retries_per_second x window seconds, ratio x requests in the window).
    // An allowed retry is counted; a refused one is not.
    bool try_retry(TimePoint now) noexcept;

    double ratio() const noexcept { return ratio_; }

private:
    static constexpr std::size_t kRequests = 0;
    static constexpr std::size_t kRetries = 1;

    double ratio_;
    double floor_;  // min_retries_per_second x window seconds
    WindowCounts counts_;
};

}  // namespace infergate::routing
