// What a hosted provider last said about its rate limits (its x-ratelimit-remaining-* and
// x-ratelimit-reset-* response headers), and from when a request may be sent to it again.
// Not thread-safe: the owner locks.
//
// Rules, kept simple on purpose:
// - The latest report wins; a count without its reset duration is ignored (we would not know
//   for how long it holds, and the provider's own 429 still reaches the client).
// - 0 (or fewer) requests remaining: nothing is sent until the request reset.
// - N tokens remaining: a request estimated at more than N tokens is not sent until the token
//   reset; one estimated at 0 (unknown) is never held back by tokens.
// - After a reset time passes, that limit is forgotten until the next report.
// - Admissions do not debit the counts locally: responses carry fresh counts soon enough, and
//   debiting would double-count the requests the provider had already seen.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace infergate::routing {

class ProviderGate {
public:
    using Clock = std::chrono::steady_clock;

    // A reset further away than this is taken as this (a daily quota); keeps arithmetic finite.
    static constexpr Clock::duration kMaxReset = std::chrono::hours(24);

    void note(std::optional<std::int64_t> remaining_requests,
              std::optional<std::int64_t> remaining_tokens,
              std::optional<Clock::duration> reset_requests,
              std::optional<Clock::duration> reset_tokens, Clock::time_point now);

    // When a request estimated at `estimated_tokens` may be sent: `now` or earlier means at once.
    Clock::time_point open_at(std::int64_t estimated_tokens, Clock::time_point now) const;

    // Whether any limit is recorded (possibly one whose reset has passed: see expire()).
    bool restricting() const noexcept {
        return requests_until_ != kNever || tokens_until_ != kNever;
    }
    // Forgets the limits whose reset time has come.
    void expire(Clock::time_point now) noexcept;

private:
    static constexpr Clock::time_point kNever = Clock::time_point::min();

    Clock::time_point requests_until_ = kNever;  // no request before this
    std::int64_t tokens_remaining_ = 0;
    Clock::time_point tokens_until_ = kNever;  // tokens_remaining_ holds until this
};

}  // namespace infergate::routing
