// Records a provider's rate-limit report and answers when a request may be sent (see the header).
#include "infergate/stages/routing/provider_gate.hpp"

#include <algorithm>

namespace infergate::routing {
namespace {

ProviderGate::Clock::time_point reset_at(ProviderGate::Clock::duration reset,
                                         ProviderGate::Clock::time_point now) {
    return now + std::clamp(reset, ProviderGate::Clock::duration::zero(), ProviderGate::kMaxReset);
}

}  // namespace

void ProviderGate::note(std::optional<std::int64_t> remaining_requests,
                        std::optional<std::int64_t> remaining_tokens,
                        std::optional<Clock::duration> reset_requests,
                        std::optional<Clock::duration> reset_tokens, Clock::time_point now) {
    if (remaining_requests && reset_requests) {
        requests_until_ = *remaining_requests <= 0 ? reset_at(*reset_requests, now) : kNever;
    }
    if (remaining_tokens && reset_tokens) {
        tokens_remaining_ = *remaining_tokens;
        tokens_until_ = reset_at(*reset_tokens, now);
    }
    expire(now);  // a reset of 0 s lifts the limit at once
}

ProviderGate::Clock::time_point ProviderGate::open_at(std::int64_t estimated_tokens,
                                                      Clock::time_point now) const {
    Clock::time_point at = kNever;
    if (requests_until_ > now) at = requests_until_;
    if (tokens_until_ > now && estimated_tokens > tokens_remaining_) {
        at = std::max(at, tokens_until_);
    }
    return at;
}

void ProviderGate::expire(Clock::time_point now) noexcept {
    if (requests_until_ <= now) requests_until_ = kNever;
    if (tokens_until_ <= now) tokens_until_ = kNever;
}

}  // namespace infergate::routing
