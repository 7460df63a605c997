#include "infergate/stages/quota/local_quota_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include <boost/container/static_vector.hpp>

#include "infergate/common/spin_lock.hpp"

#include "infergate/stages/quota/windows.hpp"

namespace infergate::quota {
namespace {

using std::chrono::nanoseconds;
constexpr Nanos kMinute = 60'000'000'000;
// A request has a key and a tenant scope at most (the quota stage's); room for two more keeps
// the ticket and the checker flat, without an allocation.
constexpr std::size_t kMaxScopes = 4;

// What one calendar period (a day, a week, a month) has counted. Its counters are always
// charged together, so they share the period they count in: one comparison rolls all three
// over, where a counter each compared its own period seven times a request.
struct CalendarCounters {
    std::int64_t period = -1;  // see calendar.hpp
    std::int64_t requests = 0, tokens = 0, nano_usd = 0;

    // `counter` as counted in period `current` (0 when this is an older period).
    std::int64_t in(std::int64_t current, std::int64_t CalendarCounters::*counter) const noexcept {
        return period == current ? this->*counter : 0;
    }
    void charge(const Amount& amount, std::int64_t current) noexcept {
        if (period != current) {
            period = current;
            requests = tokens = nano_usd = 0;
        }
        requests += amount.requests;
        tokens += amount.tokens;
        nano_usd += amount.nano_usd;
    }
    // A reservation made in a period that has ended is not moved into the new one.
    void settle(std::int64_t token_change, std::int64_t spend_change, std::int64_t reserved_in) noexcept {
        if (period != reserved_in) return;
        tokens = std::max<std::int64_t>(tokens + token_change, 0);
        nano_usd = std::max<std::int64_t>(nano_usd + spend_change, 0);
    }
};

struct Windows {
    RollingWindow requests_per_minute, tokens_per_minute;
    CalendarCounters day, week, month;  // week and month count no requests
    std::int64_t in_flight = 0;
};

struct PeriodIds {
    std::int64_t day = 0, week = 0, month = 0;
};

struct Now {
    Nanos steady;
    std::chrono::system_clock::time_point system;
    Period day, week, month;

    nanoseconds until(std::chrono::system_clock::time_point when) const {
        return std::max(nanoseconds(0), std::chrono::duration_cast<nanoseconds>(when - system));
    }
};

Now read_clocks(const Calendar& calendar, const LocalQuotaStore::SteadyNow& steady_now,
               const LocalQuotaStore::SystemNow& system_now) {
    const auto system = system_now();
    const Periods periods = calendar.periods(system);
    return Now{std::chrono::duration_cast<nanoseconds>(steady_now().time_since_epoch()).count(), system,
               periods.day, periods.week, periods.month};
}

// Checks one set of windows against one set of limits, records refusals and header figures.
class Checker {
public:
    Checker(const Now& now, const Amount& amount, Admission& out) : now_(now), amount_(amount), out_(out) {}

    // Checks `w`; its rolling windows are charged by commit(), if every check passed.
    void check(Windows& w, const config::Limits& limits, std::string_view scope, bool per_model) {
        scope_ = scope;
        per_model_ = per_model;
        shadow_ = limits.mode == config::LimitMode::shadow;
        if (const auto limit = limits.requests_per_minute) {
            rolling(w.requests_per_minute, limit, amount_.requests, LimitKind::requests_per_minute, out_.requests);
        }
        if (const auto limit = limits.tokens_per_minute) {
            rolling(w.tokens_per_minute, limit, amount_.tokens, LimitKind::tokens_per_minute, out_.tokens);
        }
        using C = CalendarCounters;
        if (const auto limit = limits.requests_per_day) {
            calendar(w.day, &C::requests, limit, amount_.requests, now_.day, LimitKind::requests_per_day,
                     &out_.requests);
        }
        if (const auto limit = limits.tokens_per_day) {
            calendar(w.day, &C::tokens, limit, amount_.tokens, now_.day, LimitKind::tokens_per_day, &out_.tokens);
        }
        if (const auto limit = limits.tokens_per_week) {
            calendar(w.week, &C::tokens, limit, amount_.tokens, now_.week, LimitKind::tokens_per_week, &out_.tokens);
        }
        if (const auto limit = limits.tokens_per_month) {
            calendar(w.month, &C::tokens, limit, amount_.tokens, now_.month, LimitKind::tokens_per_month,
                     &out_.tokens);
        }
        // Budgets are in micro-USD, spend in nano-USD; they fill no header.
        if (const auto budget = limits.budget_micro_usd_per_day) {
            calendar(w.day, &C::nano_usd, budget * 1000, amount_.nano_usd, now_.day, LimitKind::budget_per_day, nullptr);
        }
        if (const auto budget = limits.budget_micro_usd_per_week) {
            calendar(w.week, &C::nano_usd, budget * 1000, amount_.nano_usd, now_.week, LimitKind::budget_per_week,
                     nullptr);
        }
        if (const auto budget = limits.budget_micro_usd_per_month) {
            calendar(w.month, &C::nano_usd, budget * 1000, amount_.nano_usd, now_.month, LimitKind::budget_per_month,
                     nullptr);
        }
        if (const auto limit = limits.concurrency; limit && w.in_flight + 1 > limit) {
            refuse(LimitKind::concurrency, std::chrono::seconds(1), false);
        }
    }

    // Charges the rolling windows as checked (their calendar windows: charge()).
    void commit() const noexcept {
        for (std::size_t i = 0; i < pending_count_; ++i) pending_[i].window->tat = pending_[i].tat;
    }

private:
    void rolling(RollingWindow& window, std::int64_t limit, std::int64_t cost, LimitKind kind, RateInfo& info) {
        // One increment computed, used for the check, the headers and the charge.
        const Nanos charged_tat = window.after(cost, limit, kMinute, now_.steady);
        const bool fits = charged_tat - now_.steady <= kMinute;
        if (!fits) {
            refuse(kind, nanoseconds(window.until_fits(cost, limit, kMinute, now_.steady)), cost > limit);
        }
        const RollingWindow after{fits ? charged_tat : window.tat};
        offer(info, limit, after.remaining(limit, kMinute, now_.steady), nanoseconds(after.until_full(now_.steady)));
        // Charged even past a shadow limit (usage is counted as it is); an enforced refusal
        // commits nothing.
        pending_[pending_count_++] = {&window, charged_tat};
    }

    void calendar(const CalendarCounters& counters, std::int64_t CalendarCounters::*counter, std::int64_t limit,
                  std::int64_t cost, const Period& period, LimitKind kind, RateInfo* info) {
        const std::int64_t before = counters.in(period.id, counter);
        const bool fits = before + cost <= limit;
        if (!fits) refuse(kind, now_.until(period.ends), cost > limit);
        if (info != nullptr) {
            const std::int64_t used = before + (fits ? cost : 0);
            offer(*info, limit, std::max<std::int64_t>(limit - used, 0), now_.until(period.ends));
        }
    }

    // The tightest limit of a kind (fewest remaining) is what the headers show.
    static void offer(RateInfo& info, std::int64_t limit, std::int64_t remaining, nanoseconds reset) {
        if (info.present && remaining >= info.remaining) return;
        info = RateInfo{true, limit, remaining, reset};
    }

    void refuse(LimitKind kind, nanoseconds retry_after, bool never_fits) {
        Refusal refusal{std::string(scope_), per_model_, kind, retry_after, never_fits};
        if (shadow_) {
            out_.shadow.push_back(std::move(refusal));
        } else if (!out_.refusal) {
            out_.refusal = std::move(refusal);
        }
    }

    const Now& now_;
    const Amount& amount_;
    Admission& out_;
    std::string_view scope_;
    bool per_model_ = false;
    bool shadow_ = false;
    // Every rolling window checked and its state once charged (commit() stores them): two
    // limits (requests, tokens) of two window sets (all models, this model) of each scope.
    // Left uninitialised (no constructor): zeroing sixteen entries a request cost more than
    // filling the two or four used.
    struct Pending {
        RollingWindow* window;
        Nanos tat;
    };
    Pending pending_[4 * kMaxScopes];
    std::size_t pending_count_ = 0;
};

// The calendar windows and the in-flight count; Checker::commit() charges the rolling ones.
void charge(Windows& w, const Amount& amount, const Now& now) {
    w.day.charge(amount, now.day.id);
    w.week.charge(amount, now.week.id);
    w.month.charge(amount, now.month.id);
    ++w.in_flight;
}

}  // namespace

struct LocalQuotaStore::ScopeState {
    SpinLock lock;  // held for arithmetic only (and the first use of a model, once)
    Windows all;
    std::map<std::string, Windows, std::less<>> per_model;

    Windows& model(std::string_view name) {
        auto found = per_model.find(name);
        if (found == per_model.end()) found = per_model.emplace(std::string(name), Windows{}).first;
        return found->second;
    }
};

namespace {

// What settle() needs: the scopes that reserved, and what they reserved. Small and flat: a
// request has a key and a tenant scope at most, so nothing here allocates beyond the ticket.
struct Ticket {
    struct Held {
        LocalQuotaStore::ScopeState* state = nullptr;
        // Null when the caller passed a resolved handle: it keeps the state alive itself.
        std::shared_ptr<LocalQuotaStore::ScopeState> owner;
        // Set under the state's lock; std::map nodes never move, and `state` keeps them alive.
        Windows* all_windows = nullptr;
        Windows* model_windows = nullptr;
        const config::Limits* all = nullptr;  // the ScopeCheck's (valid until settled)
        const config::Limits* per_model = nullptr;
        const ScopeCheck* check = nullptr;    // read by admit_into() only
    };
    boost::container::static_vector<Held, kMaxScopes> held;
    Amount reserved;
    PeriodIds periods;
};

// A ticket is made and dropped once per admitted request, on the request's worker thread:
// each thread keeps a few freed blocks for its next tickets instead of calling malloc. A block
// freed on another thread joins that thread's list; all blocks are the same size.
template <class T>
struct RecyclingAllocator {
    using value_type = T;
    RecyclingAllocator() = default;
    template <class U>
    RecyclingAllocator(const RecyclingAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n == 1 && free_list.head != nullptr) {
            Block* block = free_list.head;
            free_list.head = block->next;
            --free_list.count;
            return reinterpret_cast<T*>(block);
        }
        return static_cast<T*>(::operator new(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n != 1 || free_list.count >= kKept) {
            ::operator delete(p);
            return;
        }
        auto* block = reinterpret_cast<Block*>(p);
        block->next = free_list.head;
        free_list.head = block;
        ++free_list.count;
    }
    template <class U>
    bool operator==(const RecyclingAllocator<U>&) const noexcept {
        return true;
    }

private:
    static_assert(sizeof(T) >= sizeof(void*));
    static constexpr std::size_t kKept = 64;  // per thread: more than a worker holds at once is rare
    struct Block {
        Block* next;
    };
    struct FreeList {
        Block* head = nullptr;
        std::size_t count = 0;
        ~FreeList() {
            while (head != nullptr) ::operator delete(std::exchange(head, head->next));
        }
    };
    static thread_local FreeList free_list;
};

template <class T>
thread_local typename RecyclingAllocator<T>::FreeList RecyclingAllocator<T>::free_list;

}  // namespace

LocalQuotaStore::LocalQuotaStore(std::string_view time_zone, SteadyNow steady_now, SystemNow system_now)
    : calendar_(time_zone),
      steady_now_(steady_now ? std::move(steady_now) : SteadyNow(&std::chrono::steady_clock::now)),
      system_now_(system_now ? std::move(system_now) : SystemNow(&std::chrono::system_clock::now)) {}

LocalQuotaStore::~LocalQuotaStore() = default;

std::shared_ptr<LocalQuotaStore::ScopeState> LocalQuotaStore::scope(std::string_view id) {
    {
        std::shared_lock lock(scopes_mutex_);
        if (const auto found = scopes_.find(id); found != scopes_.end()) return found->second;
    }
    std::unique_lock lock(scopes_mutex_);
    auto& state = scopes_[std::string(id)];
    if (!state) state = std::make_shared<ScopeState>();
    return state;
}

net::awaitable<Admission> LocalQuotaStore::admit(std::span<const ScopeCheck> scopes, const Amount& reserve) {
    Admission admission;
    admit_into(scopes, reserve, admission);
    co_return admission;
}

namespace {

// Locks every distinct scope of a ticket once, in address order (the same on every thread, so
// two requests sharing scopes cannot deadlock). A ticket has a key and a tenant scope at most:
// picking the next address each time is cheaper, and far less code, than sorting a copy.
class ScopeLocks {
public:
    explicit ScopeLocks(const Ticket& ticket) : held_(ticket.held) {
        const std::less<const LocalQuotaStore::ScopeState*> before;
        const LocalQuotaStore::ScopeState* last = nullptr;
        for (;;) {
            LocalQuotaStore::ScopeState* next = nullptr;
            for (const auto& held : held_) {
                if ((last == nullptr || before(last, held.state)) && (next == nullptr || before(held.state, next))) {
                    next = held.state;
                }
            }
            if (next == nullptr) return;
            next->lock.lock();
            last = next;
        }
    }
    ~ScopeLocks() {
        for (std::size_t i = 0; i < held_.size(); ++i) {
            if (!first_of_its_state(i)) continue;
            held_[i].state->lock.unlock();
        }
    }
    ScopeLocks(const ScopeLocks&) = delete;
    ScopeLocks& operator=(const ScopeLocks&) = delete;

private:
    bool first_of_its_state(std::size_t i) const noexcept {
        for (std::size_t j = 0; j < i; ++j) {
            if (held_[j].state == held_[i].state) return false;
        }
        return true;
    }

    const decltype(Ticket::held)& held_;
};

}  // namespace

void LocalQuotaStore::admit_into(std::span<const ScopeCheck> scopes, const Amount& reserve, Admission& admission) {
    if (scopes.size() > kMaxScopes) throw std::length_error("quota: more scopes in one request than a ticket holds");
    auto ticket = std::allocate_shared<Ticket>(RecyclingAllocator<Ticket>());
    ticket->reserved = reserve;
    for (const ScopeCheck& check : scopes) {
        if (check.all == nullptr && check.per_model == nullptr) continue;
        Ticket::Held& held = ticket->held.emplace_back();
        if (check.state != nullptr) {
            held.state = static_cast<ScopeState*>(check.state);
        } else {
            held.owner = scope(check.scope);
            held.state = held.owner.get();
        }
        held.all = check.all;
        held.per_model = check.per_model;
        held.check = &check;
    }
    if (ticket->held.empty()) return;

    // Every scope locked at once: one atomic check-and-reserve.
    const ScopeLocks locks(*ticket);
    const Now now = read_clocks(calendar_, steady_now_, system_now_);
    ticket->periods = {now.day.id, now.week.id, now.month.id};
    Checker checker(now, reserve, admission);
    for (Ticket::Held& held : ticket->held) {
        if (held.all != nullptr) {
            held.all_windows = &held.state->all;
            checker.check(*held.all_windows, *held.all, held.check->scope, false);
        }
        if (held.per_model != nullptr) {
            held.model_windows = &held.state->model(held.check->model);
            checker.check(*held.model_windows, *held.per_model, held.check->scope, true);
        }
    }
    if (!admission.admitted()) return;
    checker.commit();
    for (const auto& held : ticket->held) {
        if (held.all_windows != nullptr) charge(*held.all_windows, reserve, now);
        if (held.model_windows != nullptr) charge(*held.model_windows, reserve, now);
    }
    admission.ticket = std::move(ticket);
}

namespace {

void settle_windows(Windows& w, const config::Limits& limits, const Amount& reserved, const Amount& used,
                    Nanos now, const PeriodIds& periods) {
    const std::int64_t tokens = used.tokens - reserved.tokens;
    const std::int64_t spend = used.nano_usd - reserved.nano_usd;
    if (const auto limit = limits.tokens_per_minute) w.tokens_per_minute.adjust(tokens, limit, kMinute, now);
    w.day.settle(tokens, spend, periods.day);
    w.week.settle(tokens, spend, periods.week);
    w.month.settle(tokens, spend, periods.month);
    --w.in_flight;
}

}  // namespace

void LocalQuotaStore::settle(const Admission& admission, const Amount& used) noexcept {
    const auto* ticket = static_cast<const Ticket*>(admission.ticket.get());
    if (ticket == nullptr) return;
    const Nanos now = std::chrono::duration_cast<nanoseconds>(steady_now_().time_since_epoch()).count();
    for (const auto& held : ticket->held) {
        std::lock_guard lock(held.state->lock);
        for (const auto& [windows, limits] : {std::pair{held.all_windows, held.all},
                                              std::pair{held.model_windows, held.per_model}}) {
            if (windows != nullptr) {
                settle_windows(*windows, *limits, ticket->reserved, used, now, ticket->periods);
            }
        }
    }
}

namespace {

// Appends one entry per limit `limits` sets, read from `w` (null: nothing used yet).
void report(const Windows& windows, const config::Limits& limits, std::string_view model, const Now& now,
            std::vector<LimitUsage>& out) {
    auto add = [&](LimitKind kind, std::int64_t limit, std::int64_t used, nanoseconds reset) {
        if (limit == 0) return;
        out.push_back(LimitUsage{kind, std::string(model), limits.mode, limit, std::max<std::int64_t>(used, 0), reset});
    };
    auto rolling = [&](LimitKind kind, const RollingWindow& window, std::int64_t limit) {
        if (limit == 0) return;
        add(kind, limit, limit - window.remaining(limit, kMinute, now.steady), nanoseconds(window.until_full(now.steady)));
    };
    rolling(LimitKind::requests_per_minute, windows.requests_per_minute, limits.requests_per_minute);
    rolling(LimitKind::tokens_per_minute, windows.tokens_per_minute, limits.tokens_per_minute);
    using C = CalendarCounters;
    const C& day = windows.day;
    const C& week = windows.week;
    const C& month = windows.month;
    add(LimitKind::requests_per_day, limits.requests_per_day, day.in(now.day.id, &C::requests), now.until(now.day.ends));
    add(LimitKind::tokens_per_day, limits.tokens_per_day, day.in(now.day.id, &C::tokens), now.until(now.day.ends));
    add(LimitKind::tokens_per_week, limits.tokens_per_week, week.in(now.week.id, &C::tokens), now.until(now.week.ends));
    add(LimitKind::tokens_per_month, limits.tokens_per_month, month.in(now.month.id, &C::tokens),
        now.until(now.month.ends));
    add(LimitKind::budget_per_day, limits.budget_micro_usd_per_day * 1000, day.in(now.day.id, &C::nano_usd),
        now.until(now.day.ends));
    add(LimitKind::budget_per_week, limits.budget_micro_usd_per_week * 1000, week.in(now.week.id, &C::nano_usd),
        now.until(now.week.ends));
    add(LimitKind::budget_per_month, limits.budget_micro_usd_per_month * 1000, month.in(now.month.id, &C::nano_usd),
        now.until(now.month.ends));
    add(LimitKind::concurrency, limits.concurrency, windows.in_flight, nanoseconds::zero());
}

}  // namespace

net::awaitable<std::vector<LimitUsage>> LocalQuotaStore::usage(std::string_view scope,
                                                               const config::ScopeLimits& limits) {
    co_return usage_now(scope, limits);
}

std::vector<LimitUsage> LocalQuotaStore::usage_now(std::string_view id, const config::ScopeLimits& limits) {
    std::shared_ptr<ScopeState> state;
    {
        std::shared_lock lock(scopes_mutex_);
        if (const auto found = scopes_.find(id); found != scopes_.end()) state = found->second;
    }
    const Now now = read_clocks(calendar_, steady_now_, system_now_);
    // Windows are copied under the scope's lock and reported outside it: the lock is a spin
    // lock, not to be held across the report's allocations. Default windows are unused ones.
    Windows all;
    std::vector<Windows> per_model(limits.per_model.size());
    if (state) {
        std::lock_guard lock(state->lock);
        all = state->all;
        std::size_t index = 0;
        for (const auto& entry : limits.per_model) {
            const auto found = state->per_model.find(entry.first);
            if (found != state->per_model.end()) per_model[index] = found->second;
            ++index;
        }
    }
    std::vector<LimitUsage> out;
    report(all, limits.all, {}, now, out);
    std::size_t index = 0;
    for (const auto& [model, model_limits] : limits.per_model) report(per_model[index++], model_limits, model, now, out);
    return out;
}

void LocalQuotaStore::retain(const std::vector<std::string>& live_scopes) {
    const std::unordered_set<std::string_view> live(live_scopes.begin(), live_scopes.end());
    std::unique_lock lock(scopes_mutex_);
    std::erase_if(scopes_, [&](const auto& entry) { return !live.contains(entry.first); });
}

std::string_view label(LimitKind kind) noexcept {
    switch (kind) {
        case LimitKind::requests_per_minute: return "requests_per_minute";
        case LimitKind::requests_per_day: return "requests_per_day";
        case LimitKind::tokens_per_minute: return "tokens_per_minute";
        case LimitKind::tokens_per_day: return "tokens_per_day";
        case LimitKind::concurrency: return "concurrency";
        case LimitKind::budget_per_day: return "budget_per_day";
        case LimitKind::budget_per_month: return "budget_per_month";
        case LimitKind::tokens_per_week: return "tokens_per_week";
        case LimitKind::tokens_per_month: return "tokens_per_month";
        case LimitKind::budget_per_week: return "budget_per_week";
        case LimitKind::max_stream_tokens: return "max_stream_tokens";
    }
    return "unknown";
}

}  // namespace infergate::quota
