// Per-route retry budget (see retry_budget.hpp).
#include "infergate/stages/routing/retry_budget.hpp"

#include <algorithm>

namespace infergate::routing {

RetryBudget::RetryBudget(double ratio, std::uint32_t min_retries_per_second, Duration window)
    : ratio_(std::max(ratio, 0.0)),
      floor_(min_retries_per_second * std::chrono::duration<double>(window).count()),
      counts_(window) {}

void RetryBudget::record_request(TimePoint now) noexcept { counts_.add(kRequests, now); }

bool RetryBudget::try_retry(TimePoint now) noexcept {
    const auto requests = static_cast<double>(counts_.count(kRequests, now));
    const double limit = std::max(floor_, ratio_ * requests);
    // Count first, then check: racing callers cannot all pass on the last free retry.
    const std::uint64_t retries = counts_.add_and_count(kRetries, now);
    if (static_cast<double>(retries - 1) < limit) return true;
    counts_.undo(kRetries, now);
    return false;
}

}  // namespace infergate::routing
