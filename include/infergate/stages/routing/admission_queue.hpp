// Per-backend admission: at most `max_concurrency` requests in flight, the rest wait in a bounded
// queue (strict priority bands, weighted fair between tenants, FIFO within a tenant) until a
// slot frees, their deadline passes or they are cancelled. Also holds requests back while the
// provider has said it is out of requests or tokens (ProviderGate).
//
// One queue per backend, shared by every worker thread. The state sits behind one mutex; waiting
// is per coroutine, on its own executor: a release on another thread marks the waiter granted
// under the mutex, then posts to the waiter's executor to cut its timer short. Whoever holds
// `granted` owns the slot, so a grant racing the deadline or a cancellation never leaks one.
//
// Lifetime: the queue must outlive its Admissions and every admit() in progress. An io_context
// with coroutines waiting here must not be destroyed while other threads still use the queue
// (stop and join every worker first, as Gateway does): destroying it removes its waiters and
// returns their slots, but posting to it concurrently would be a race inside Asio.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "infergate/net.hpp"
#include "infergate/stages/routing/fair_queue.hpp"
#include "infergate/stages/routing/provider_gate.hpp"

namespace infergate::routing {

using AdmissionClock = std::chrono::steady_clock;

struct AdmissionSettings {
    // Requests in flight at once. 0 = unlimited: admission is then one atomic load, unless the
    // provider has reported a limit (note_provider_limits), which still holds requests back.
    std::size_t max_concurrency = 0;
    std::size_t max_queue = 256;  // requests waiting at once; 0 = never wait
    AdmissionClock::duration max_wait = std::chrono::seconds(5);
    // Suggested Retry-After for a refusal when no provider reset time is known.
    AdmissionClock::duration retry_after = std::chrono::seconds(1);
};

struct AdmissionRequest {
    std::string_view tenant;          // fairness key, "" is the default tenant; read only at entry
    std::uint32_t tenant_weight = 1;  // share relative to other tenants of the band; 0 counts as 1
    int priority = 0;                 // band: every waiter of a higher band is served first
    // The request's own deadline; the wait ends at the earlier of this and now + max_wait.
    AdmissionClock::time_point deadline = AdmissionClock::time_point::max();
    std::int64_t estimated_tokens = 0;  // checked against the provider's remaining tokens
};

enum class AdmissionResult : std::uint8_t { admitted, queue_full, timeout, cancelled };

std::string_view to_string(AdmissionResult result) noexcept;

class AdmissionQueue;

// The answer to admit(): a move-only slot, given back on destruction or release(), or a refusal.
class Admission {
public:
    Admission(Admission&& other) noexcept;
    Admission& operator=(Admission&& other) noexcept;
    ~Admission() { release(); }

    // Whether the request was admitted (still true after release()).
    bool admitted() const noexcept { return result_ == AdmissionResult::admitted; }
    explicit operator bool() const noexcept { return admitted(); }
    AdmissionResult result() const noexcept { return result_; }
    // Time spent in the queue (for a wait-time histogram); zero when admitted at once.
    AdmissionClock::duration waited() const noexcept { return waited_; }
    // For a refused request's Retry-After: the time until the provider's reset when that is what
    // holds it back, else AdmissionSettings::retry_after. Zero when admitted or cancelled.
    AdmissionClock::duration retry_after() const noexcept { return retry_after_; }
    // For a refusal: whether the provider's reported rate limit (not max_concurrency) was
    // holding the request back, so the answer can say which.
    bool held_by_provider() const noexcept { return held_by_provider_; }

    // Gives the slot back now (waking the next waiter). Idempotent; no-op for a refusal.
    void release() noexcept;

private:
    friend class AdmissionQueue;
    Admission(AdmissionQueue* slot_of, AdmissionResult result, AdmissionClock::duration waited,
              AdmissionClock::duration retry_after) noexcept
        : queue_(slot_of), result_(result), waited_(waited), retry_after_(retry_after) {}

    AdmissionQueue* queue_;  // set while this admission holds one of that queue's slots
    AdmissionResult result_;
    AdmissionClock::duration waited_;
    AdmissionClock::duration retry_after_;
    bool held_by_provider_ = false;
};

class AdmissionQueue {
public:
    explicit AdmissionQueue(const AdmissionSettings& settings) : settings_(settings) {}
    AdmissionQueue(const AdmissionQueue&) = delete;
    AdmissionQueue& operator=(const AdmissionQueue&) = delete;

    // Admitted at once when a slot is free, nobody waits and the provider allows it: one lock
    // (none when unlimited and the provider set no limit), no allocation. Otherwise nullopt: the
    // request would have to wait, which only admit() does. admit() starts with this; a hot path
    // may call it first and co_await admit() only on nullopt, to skip the coroutine frame.
    std::optional<Admission> try_admit(const AdmissionRequest& request);

    // try_admit(), else waits in the queue on the calling coroutine's executor (which must run
    // on one thread at a time: a worker's io_context or a strand). Refuses with queue_full at
    // once, with timeout at the deadline, with cancelled when the coroutine's cancellation slot
    // fires (terminal cancellation, e.g. the losing side of `||`).
    net::awaitable<Admission> admit(AdmissionRequest request);

    // The provider's rate-limit headers, parsed by the caller (see ProviderGate for the rules).
    void note_provider_limits(std::optional<std::int64_t> remaining_requests,
                              std::optional<std::int64_t> remaining_tokens,
                              std::optional<AdmissionClock::duration> reset_requests,
                              std::optional<AdmissionClock::duration> reset_tokens,
                              AdmissionClock::time_point now = AdmissionClock::now());

    // Slots held, counted only with a concurrency limit.
    std::size_t in_flight() const;
    // Requests waiting.
    std::size_t queued() const;
    const AdmissionSettings& settings() const noexcept { return settings_; }

private:
    friend class Admission;
    struct Waiter;
    class WaitGuard;
    using WaiterQueue = FairQueue<std::shared_ptr<Waiter>>;
    // One look at a waiter: its final answer, or when to look again.
    struct Step {
        std::optional<Admission> answer;
        AdmissionClock::time_point wake_at;
    };

    bool limited() const noexcept { return settings_.max_concurrency != 0; }
    bool slot_free_locked() const noexcept {
        return !limited() || in_flight_ < settings_.max_concurrency;
    }
    AdmissionClock::time_point provider_open_at_locked(std::int64_t estimated_tokens,
                                                       AdmissionClock::time_point now);
    // A queue_full or timeout answer at `now` for a request that started waiting at `start`.
    Admission refusal_locked(AdmissionResult result, AdmissionClock::time_point start,
                             std::int64_t estimated_tokens, AdmissionClock::time_point now) const;
    AdmissionClock::duration retry_after_locked(std::int64_t estimated_tokens,
                                                AdmissionClock::time_point now) const;

    std::optional<Admission> admit_at_once_locked(const AdmissionRequest& request);
    std::optional<Admission> enqueue(const std::shared_ptr<Waiter>& waiter,
                                     const AdmissionRequest& request,
                                     AdmissionClock::time_point start);
    Step poll(Waiter& waiter, bool cancelled, AdmissionClock::time_point start,
              AdmissionClock::time_point deadline);
    void leave_locked(Waiter& waiter);
    void release_slot() noexcept;
    void release_slot_locked();
    void pump_locked(const Waiter* self);
    static void wake(std::shared_ptr<Waiter> waiter);

    const AdmissionSettings settings_;
    mutable std::mutex mutex_;
    std::size_t in_flight_ = 0;
    WaiterQueue waiting_;
    ProviderGate provider_;
    // Mirrors provider_.restricting(), so the unlimited fast path needs no lock.
    std::atomic<bool> provider_restricting_{false};
};

}  // namespace infergate::routing
