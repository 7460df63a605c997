// Per-backend admission: the slot count, the waiting queue, and waking waiters across threads
// (see the header for the design).
#include "infergate/stages/routing/admission_queue.hpp"

#include <algorithm>
#include <utility>

namespace infergate::routing {
namespace {

constexpr auto kNoWake = AdmissionClock::time_point::max();

// The earlier of the request's deadline and start + max_wait, without overflowing either.
AdmissionClock::time_point wait_deadline(AdmissionClock::time_point requested,
                                         AdmissionClock::time_point start,
                                         AdmissionClock::duration max_wait) {
    if (requested <= start || requested - start <= max_wait) return requested;
    return start + max_wait;
}

}  // namespace

std::string_view to_string(AdmissionResult result) noexcept {
    switch (result) {
        case AdmissionResult::admitted:
            return "admitted";
        case AdmissionResult::queue_full:
            return "queue_full";
        case AdmissionResult::timeout:
            return "timeout";
        case AdmissionResult::cancelled:
            return "cancelled";
    }
    return "unknown";
}

// --- Admission -------------------------------------------------------------------------------

Admission::Admission(Admission&& other) noexcept
    : queue_(std::exchange(other.queue_, nullptr)),
      result_(other.result_),
      waited_(other.waited_),
      retry_after_(other.retry_after_),
      held_by_provider_(other.held_by_provider_) {}

Admission& Admission::operator=(Admission&& other) noexcept {
    if (this != &other) {
        release();
        queue_ = std::exchange(other.queue_, nullptr);
        result_ = other.result_;
        waited_ = other.waited_;
        held_by_provider_ = other.held_by_provider_;
        retry_after_ = other.retry_after_;
    }
    return *this;
}

void Admission::release() noexcept {
    if (queue_ != nullptr) std::exchange(queue_, nullptr)->release_slot();
}

// --- a waiting coroutine ---------------------------------------------------------------------

struct AdmissionQueue::Waiter {
    enum class State : std::uint8_t { queued, granted, left };

    Waiter(const net::any_io_executor& executor, std::int64_t tokens)
        : timer(executor), estimated_tokens(tokens) {}

    net::steady_timer timer;  // touched only on its executor
    const std::int64_t estimated_tokens;
    // The rest is guarded by the queue's mutex. `granted` means the waiter owns a slot.
    State state = State::queued;
    WaiterQueue::Ticket ticket;
    // Set while this waiter heads the queue and only the provider's reset holds it back: then
    // nobody else would run the queue at that time, so this waiter wakes for it.
    AdmissionClock::time_point provider_reset_at = kNoWake;
};

// Ends a wait however its coroutine ends. Answered: nothing left to do. Destroyed with its
// io_context, or unwound by an exception: leaves the queue, or gives back a slot it was granted
// but never claimed.
class AdmissionQueue::WaitGuard {
public:
    WaitGuard(AdmissionQueue& queue, Waiter& waiter) noexcept : queue_(queue), waiter_(waiter) {}
    WaitGuard(const WaitGuard&) = delete;
    WaitGuard& operator=(const WaitGuard&) = delete;
    ~WaitGuard() {
        std::lock_guard lock(queue_.mutex_);
        queue_.leave_locked(waiter_);
    }

private:
    AdmissionQueue& queue_;
    Waiter& waiter_;
};

// --- AdmissionQueue --------------------------------------------------------------------------

std::optional<Admission> AdmissionQueue::try_admit(const AdmissionRequest& request) {
    if (!limited() && !provider_restricting_.load(std::memory_order_relaxed)) {
        return Admission(nullptr, AdmissionResult::admitted, {}, {});
    }
    std::lock_guard lock(mutex_);
    return admit_at_once_locked(request);
}

net::awaitable<Admission> AdmissionQueue::admit(AdmissionRequest request) {
    std::optional<Admission> at_once = try_admit(request);
    if (at_once) co_return std::move(*at_once);

    const AdmissionClock::time_point start = AdmissionClock::now();
    const AdmissionClock::time_point deadline =
        wait_deadline(request.deadline, start, settings_.max_wait);
    const net::any_io_executor executor = co_await net::this_coro::executor;
    const auto waiter = std::make_shared<Waiter>(executor, request.estimated_tokens);
    std::optional<Admission> answer = enqueue(waiter, request, start);
    if (answer) co_return std::move(*answer);

    const WaitGuard guard(*this, *waiter);
    const net::cancellation_state cancellation = co_await net::this_coro::cancellation_state;
    for (;;) {
        const bool cancelled = cancellation.cancelled() != net::cancellation_type::none;
        Step step = poll(*waiter, cancelled, start, deadline);
        if (step.answer) co_return std::move(*step.answer);
        waiter->timer.expires_at(step.wake_at);
        // Ends at wake_at, when wake() cancels it, or when the coroutine is cancelled.
        co_await waiter->timer.async_wait(use_tuple);
    }
}

void AdmissionQueue::note_provider_limits(std::optional<std::int64_t> remaining_requests,
                                          std::optional<std::int64_t> remaining_tokens,
                                          std::optional<AdmissionClock::duration> reset_requests,
                                          std::optional<AdmissionClock::duration> reset_tokens,
                                          AdmissionClock::time_point now) {
    std::lock_guard lock(mutex_);
    provider_.note(remaining_requests, remaining_tokens, reset_requests, reset_tokens, now);
    provider_restricting_.store(provider_.restricting(), std::memory_order_relaxed);
    pump_locked(nullptr);  // the limit may have lifted, or the head must now watch its reset
}

std::size_t AdmissionQueue::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
}

std::size_t AdmissionQueue::queued() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

AdmissionClock::time_point AdmissionQueue::provider_open_at_locked(std::int64_t estimated_tokens,
                                                                   AdmissionClock::time_point now) {
    provider_.expire(now);
    provider_restricting_.store(provider_.restricting(), std::memory_order_relaxed);
    return provider_.open_at(estimated_tokens, now);
}

AdmissionClock::duration AdmissionQueue::retry_after_locked(std::int64_t estimated_tokens,
                                                            AdmissionClock::time_point now) const {
    const AdmissionClock::time_point open_at = provider_.open_at(estimated_tokens, now);
    return open_at > now ? open_at - now : settings_.retry_after;
}

Admission AdmissionQueue::refusal_locked(AdmissionResult result, AdmissionClock::time_point start,
                                         std::int64_t estimated_tokens, AdmissionClock::time_point now) const {
    Admission refusal(nullptr, result, now - start, retry_after_locked(estimated_tokens, now));
    refusal.held_by_provider_ = provider_.open_at(estimated_tokens, now) > now;
    return refusal;
}

std::optional<Admission> AdmissionQueue::admit_at_once_locked(const AdmissionRequest& request) {
    // Nobody jumps the queue: with waiters, a free slot is already promised to the head.
    if (!waiting_.empty() || !slot_free_locked()) return std::nullopt;
    if (provider_.restricting()) {
        const AdmissionClock::time_point now = AdmissionClock::now();
        if (provider_open_at_locked(request.estimated_tokens, now) > now) return std::nullopt;
    }
    if (limited()) ++in_flight_;
    return Admission(limited() ? this : nullptr, AdmissionResult::admitted, {}, {});
}

std::optional<Admission> AdmissionQueue::enqueue(const std::shared_ptr<Waiter>& waiter,
                                                 const AdmissionRequest& request,
                                                 AdmissionClock::time_point start) {
    std::lock_guard lock(mutex_);
    // Things may have changed since try_admit() let go of the lock.
    std::optional<Admission> at_once = admit_at_once_locked(request);
    if (at_once) return at_once;
    if (waiting_.size() >= settings_.max_queue) {
        const AdmissionClock::time_point now = AdmissionClock::now();
        return refusal_locked(AdmissionResult::queue_full, start, request.estimated_tokens, now);
    }
    waiter->ticket = waiting_.push(waiter, request.priority, request.tenant, request.tenant_weight);
    pump_locked(waiter.get());  // a new head held back by the provider must watch its reset
    return std::nullopt;
}

AdmissionQueue::Step AdmissionQueue::poll(Waiter& waiter, bool cancelled,
                                          AdmissionClock::time_point start,
                                          AdmissionClock::time_point deadline) {
    std::lock_guard lock(mutex_);
    const AdmissionClock::time_point now = AdmissionClock::now();
    if (cancelled) {
        leave_locked(waiter);  // a slot granted meanwhile goes to the next waiter
        return {Admission(nullptr, AdmissionResult::cancelled, now - start, {}), {}};
    }
    if (waiter.state == Waiter::State::queued && waiter.provider_reset_at <= now) {
        waiter.provider_reset_at = kNoWake;
        pump_locked(&waiter);
    }
    if (waiter.state == Waiter::State::granted) {
        // Granted counts even when the deadline has just passed too: the slot is ours.
        waiter.state = Waiter::State::left;
        return {Admission(limited() ? this : nullptr, AdmissionResult::admitted, now - start, {}),
                {}};
    }
    if (now >= deadline) {
        Admission refusal = refusal_locked(AdmissionResult::timeout, start, waiter.estimated_tokens, now);
        leave_locked(waiter);
        return {std::move(refusal), {}};
    }
    return {std::nullopt, std::min(deadline, waiter.provider_reset_at)};
}

void AdmissionQueue::leave_locked(Waiter& waiter) {
    switch (waiter.state) {
        case Waiter::State::queued:
            waiting_.erase(waiter.ticket);
            waiter.state = Waiter::State::left;
            pump_locked(nullptr);  // a new head may have to watch the provider's reset
            break;
        case Waiter::State::granted:
            waiter.state = Waiter::State::left;
            if (limited()) release_slot_locked();
            break;
        case Waiter::State::left:
            break;
    }
}

void AdmissionQueue::release_slot() noexcept {
    std::lock_guard lock(mutex_);
    release_slot_locked();
}

void AdmissionQueue::release_slot_locked() {
    --in_flight_;
    pump_locked(nullptr);
}

// Grants free slots to waiters in fair order. `self`, the waiter calling, needs no wake-up.
void AdmissionQueue::pump_locked(const Waiter* self) {
    while (!waiting_.empty() && slot_free_locked()) {
        const std::shared_ptr<Waiter>& head = waiting_.front();
        if (provider_.restricting()) {
            const AdmissionClock::time_point now = AdmissionClock::now();
            const AdmissionClock::time_point open_at =
                provider_open_at_locked(head->estimated_tokens, now);
            if (open_at > now) {
                // Head of line stays head: smaller requests do not overtake it, or a large one
                // could wait forever.
                if (head->provider_reset_at != open_at) {
                    head->provider_reset_at = open_at;
                    if (head.get() != self) wake(head);
                }
                return;
            }
        }
        std::shared_ptr<Waiter> next = waiting_.pop();
        next->state = Waiter::State::granted;
        if (limited()) ++in_flight_;
        if (next.get() != self) wake(std::move(next));
    }
}

void AdmissionQueue::wake(std::shared_ptr<Waiter> waiter) {
    // The timer belongs to the waiter's executor: cancel it there, never from this thread. The
    // waiter reads its new state under the mutex when it resumes.
    const net::any_io_executor executor = waiter->timer.get_executor();
    net::post(executor, [waiter = std::move(waiter)] { waiter->timer.cancel(); });
}

}  // namespace infergate::routing
