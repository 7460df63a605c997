// Where quota counters live, behind one interface: the in-memory store now (exact across all
// worker threads of one process), a shared store such as Redis for several replicas later.
// The quota stage does not change when the store does.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/config/access.hpp"
#include "infergate/net.hpp"

namespace infergate::quota {

enum class LimitKind : std::uint8_t {
    requests_per_minute, requests_per_day, tokens_per_minute, tokens_per_day, concurrency,
    budget_per_day, budget_per_month, tokens_per_week, tokens_per_month, budget_per_week,
    max_stream_tokens  // a cap on one stream, checked while it is relayed, not a window
};
std::string_view label(LimitKind kind) noexcept;  // "requests_per_minute", ...

// What a request costs or reserves. Tokens are weighted (see cost_model.hpp).
struct Amount {
    std::int64_t requests = 1;
    std::int64_t tokens = 0;
    std::int64_t nano_usd = 0;
};

// One scope's share of a request: a key or a tenant, its limits, and its limits for the model.
struct ScopeCheck {
    std::string_view scope;                      // stable id: "key:app-1", "tenant:team-a"
    std::string_view model;                      // the public model name
    // Both stay valid until the admission is settled (they live in the request's pinned
    // snapshot), so a store may keep the pointers instead of copies.
    const config::Limits* all = nullptr;         // null: no limits on this scope
    const config::Limits* per_model = nullptr;   // null: none for this model
    // The store's handle for `scope` from resolve(), or null (admit() looks the id up). Whoever
    // passes it keeps it alive until the admission is settled (the snapshot does).
    void* state = nullptr;
};

struct Refusal {
    std::string scope;                           // which key or tenant refused
    bool per_model = false;                      // its limit for the model, or for everything
    LimitKind kind{};
    std::chrono::nanoseconds retry_after{};      // when it would fit again
    bool never_fits = false;                     // the request alone exceeds the limit
};

// For the x-ratelimit-* headers: the tightest applicable limit of a kind.
struct RateInfo {
    bool present = false;
    std::int64_t limit = 0;
    std::int64_t remaining = 0;
    std::chrono::nanoseconds reset{};
};

struct Admission {
    std::optional<Refusal> refusal;              // enforced: the request is refused
    std::vector<Refusal> shadow;                 // would have refused, in shadow mode
    RateInfo requests, tokens;
    std::shared_ptr<void> ticket;                // the store's record of the reservation

    bool admitted() const noexcept { return !refusal.has_value(); }
};

// What a scope has used of one of its limits, for usage reports (GET /v1/usage, /admin/usage).
struct LimitUsage {
    LimitKind kind{};
    std::string model;                           // empty: the scope's limit across models
    config::LimitMode mode{};
    // Requests, weighted tokens, nano-USD (budgets), or requests in flight (concurrency).
    std::int64_t limit = 0;
    std::int64_t used = 0;
    std::chrono::nanoseconds reset{};            // until the window is whole again
};

class QuotaStore {
public:
    virtual ~QuotaStore() = default;
    // Checks every scope and, only if all admit, reserves `reserve` in all of them, as one
    // atomic step (no request can slip between another's check and its reservation).
    // A handle for `scope` that admit() may use instead of looking the id up on every request;
    // null when the store has none. Resolved once per snapshot for every key and tenant.
    virtual std::shared_ptr<void> resolve(std::string_view scope) {
        (void)scope;
        return nullptr;
    }
    virtual net::awaitable<Admission> admit(std::span<const ScopeCheck> scopes,
                                            const Amount& reserve) = 0;
    // The same, answered without waiting into `out` (default-constructed) by a store that can
    // (one in memory); false from one that needs I/O, whose admit() is then awaited. Spares the
    // stage a coroutine, and the admission a move or two on every request.
    virtual bool try_admit_now(std::span<const ScopeCheck> scopes, const Amount& reserve, Admission& out) {
        (void)scopes;
        (void)reserve;
        (void)out;
        return false;
    }
    // Replaces an admitted reservation with what was used, and frees its concurrency slot.
    virtual void settle(const Admission& admission, const Amount& used) noexcept = 0;
    // Every configured limit of `scope` with what is used of it now. Reserves nothing.
    virtual net::awaitable<std::vector<LimitUsage>> usage(std::string_view scope,
                                                          const config::ScopeLimits& limits) = 0;
    // Forgets counters of scopes that no longer exist (after a reload).
    virtual void retain(const std::vector<std::string>& live_scopes) = 0;
};

}  // namespace infergate::quota
