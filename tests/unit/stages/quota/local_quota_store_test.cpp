#include "infergate/stages/quota/local_quota_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <thread>

#include "infergate/stages/quota/calendar.hpp"
#include "infergate/stages/quota/cost_model.hpp"
#include "infergate/stages/quota/rate_limit_headers.hpp"

namespace infergate::quota {
namespace {

using namespace std::chrono;

// A clock the test moves by hand.
struct FakeClocks {
    steady_clock::time_point steady{};
    system_clock::time_point system = sys_days_of(2026, 11, 21);
    static system_clock::time_point sys_days_of(int y, unsigned m, unsigned d) {
        return system_clock::time_point(sys_days(year(y) / month(m) / day(d)).time_since_epoch());
    }
    LocalQuotaStore store(std::string_view zone = "UTC") {
        return LocalQuotaStore(zone, [this] { return steady; }, [this] { return system; });
    }
};

ScopeCheck key_scope(const config::Limits& limits) { return ScopeCheck{"key:a", "demo", &limits, nullptr}; }

TEST(LocalQuotaStore, ManyThreadsNeverAdmitMoreThanTheLimit) {
    FakeClocks clocks;  // frozen: no refill during the test, so exactness is checkable
    LocalQuotaStore store = clocks.store();
    config::Limits limits;
    limits.requests_per_minute = 1000;
    const ScopeCheck check = key_scope(limits);
    std::atomic<int> admitted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                if (store.admit_now({&check, 1}, Amount{}).admitted()) ++admitted;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(admitted.load(), 1000);
}

TEST(LocalQuotaStore, RollingWindowRefillsSmoothly) {
    FakeClocks clocks;
    LocalQuotaStore store = clocks.store();
    config::Limits limits;
    limits.requests_per_minute = 60;  // one a second once the burst is spent
    const ScopeCheck check = key_scope(limits);
    for (int i = 0; i < 60; ++i) ASSERT_TRUE(store.admit_now({&check, 1}, Amount{}).admitted());
    const Admission refused = store.admit_now({&check, 1}, Amount{});
    ASSERT_FALSE(refused.admitted());
    EXPECT_EQ(refused.refusal->kind, LimitKind::requests_per_minute);
    EXPECT_EQ(duration_cast<milliseconds>(refused.refusal->retry_after), seconds(1));
    clocks.steady += milliseconds(999);
    EXPECT_FALSE(store.admit_now({&check, 1}, Amount{}).admitted());
    clocks.steady += milliseconds(1);
    EXPECT_TRUE(store.admit_now({&check, 1}, Amount{}).admitted());
}

// Catalogue P4: a step of the wall clock (NTP, `date -s`) moves no rolling window, either way:
// per-minute limits and concurrency run on the steady clock, so a jump forward unlocks nobody
// and a jump back locks nobody out. (Calendar windows follow the wall clock by design: a day
// is a day of the configured time zone.)
TEST(LocalQuotaStore, AWallClockJumpNeitherUnlocksNorLocksOutARollingWindow) {
    FakeClocks clocks;
    clocks.system += hours(12);
    LocalQuotaStore store = clocks.store();
    config::Limits limits;
    limits.requests_per_minute = 3;  // one every 20 s once the burst is spent
    const ScopeCheck check = key_scope(limits);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.admit_now({&check, 1}, Amount{}).admitted());
    ASSERT_FALSE(store.admit_now({&check, 1}, Amount{}).admitted());

    clocks.system += hours(6);  // forward: no mass unlock
    Admission refused = store.admit_now({&check, 1}, Amount{});
    ASSERT_FALSE(refused.admitted());
    EXPECT_EQ(duration_cast<seconds>(refused.refusal->retry_after), seconds(20));
    clocks.system -= hours(30);  // back past midnight: no lockout either
    refused = store.admit_now({&check, 1}, Amount{});
    ASSERT_FALSE(refused.admitted());
    EXPECT_EQ(duration_cast<seconds>(refused.refusal->retry_after), seconds(20));
    clocks.steady += seconds(20);
    EXPECT_TRUE(store.admit_now({&check, 1}, Amount{}).admitted());
}

TEST(LocalQuotaStore, SettlementReplacesTheReservationWithUsage) {
    FakeClocks clocks;
    LocalQuotaStore store = clocks.store();
    config::Limits limits;
    limits.tokens_per_day = 1000;
    const ScopeCheck check = key_scope(limits);
    Amount reserve;
    reserve.tokens = 900;
    Admission first = store.admit_now({&check, 1}, reserve);
    ASSERT_TRUE(first.admitted());
    EXPECT_EQ(first.tokens.remaining, 100);
    EXPECT_FALSE(store.admit_now({&check, 1}, reserve).admitted());  // 900 more does not fit
    Amount used;
    used.tokens = 50;  // the request used far less than it reserved
    store.settle(first, used);
    const Admission second = store.admit_now({&check, 1}, reserve);
    EXPECT_TRUE(second.admitted());
    EXPECT_EQ(second.tokens.remaining, 50);
}

TEST(LocalQuotaStore, ARequestLargerThanTheLimitNeverFits) {
    FakeClocks clocks;
    LocalQuotaStore store = clocks.store();
    config::Limits limits;
    limits.tokens_per_minute = 100;
    const ScopeCheck check = key_scope(limits);
    Amount reserve;
    reserve.tokens = 101;
    const Admission refused = store.admit_now({&check, 1}, reserve);
    ASSERT_FALSE(refused.admitted());
    EXPECT_TRUE(refused.refusal->never_fits);
}

TEST(LocalQuotaStore, DailyCountersResetAtMidnightInTheConfiguredZone) {
    FakeClocks clocks;
    // 22:30 UTC on 2026-11-21 is 23:30 in Berlin (UTC+1 in November).
    clocks.system = FakeClocks::sys_days_of(2026, 11, 21) + hours(22) + minutes(30);
    LocalQuotaStore store = clocks.store("Europe/Berlin");
    config::Limits limits;
    limits.requests_per_day = 1;
    const ScopeCheck check = key_scope(limits);
    ASSERT_TRUE(store.admit_now({&check, 1}, Amount{}).admitted());
    const Admission refused = store.admit_now({&check, 1}, Amount{});
    ASSERT_FALSE(refused.admitted());
    EXPECT_EQ(duration_cast<minutes>(refused.refusal->retry_after), minutes(30));  // Berlin midnight
    clocks.system += minutes(30);
    EXPECT_TRUE(store.admit_now({&check, 1}, Amount{}).admitted());
}

TEST(LocalQuotaStore, ShadowLimitsCountButDoNotRefuse) {
    FakeClocks clocks;
    LocalQuotaStore store = clocks.store();
    config::Limits limits;
    limits.requests_per_minute = 1;
    limits.mode = config::LimitMode::shadow;
    const ScopeCheck check = key_scope(limits);
    EXPECT_TRUE(store.admit_now({&check, 1}, Amount{}).shadow.empty());
    const Admission second = store.admit_now({&check, 1}, Amount{});
    EXPECT_TRUE(second.admitted());
    ASSERT_EQ(second.shadow.size(), 1u);
    EXPECT_EQ(second.shadow[0].kind, LimitKind::requests_per_minute);
}

TEST(LocalQuotaStore, ARefusalInOneScopeReservesNothingInTheOther) {
    FakeClocks clocks;
    LocalQuotaStore store = clocks.store();
    config::Limits key_limits, tenant_limits;
    key_limits.requests_per_minute = 10;
    tenant_limits.concurrency = 1;
    const std::array<ScopeCheck, 2> checks{ScopeCheck{"key:a", "demo", &key_limits, nullptr},
                                           ScopeCheck{"tenant:t", "demo", &tenant_limits, nullptr}};
    const Admission first = store.admit_now(checks, Amount{});
    ASSERT_TRUE(first.admitted());
    const Admission second = store.admit_now(checks, Amount{});
    ASSERT_FALSE(second.admitted());
    EXPECT_EQ(second.refusal->scope, "tenant:t");
    EXPECT_EQ(second.requests.remaining, 8);  // the key was not charged for the refused one
    store.settle(first, Amount{});
    EXPECT_TRUE(store.admit_now(checks, Amount{}).admitted());
}

TEST(CostModel, CachedAndReasoningTokensArePricedAsTheirOwnClass) {
    sse::Usage usage;
    usage.prompt_tokens = 1000;
    usage.cached_tokens = 800;
    usage.completion_tokens = 500;
    usage.reasoning_tokens = 300;
    const TokenCounts counts = classify(usage);
    EXPECT_EQ(counts.input, 200);
    EXPECT_EQ(counts.cached_input, 800);
    EXPECT_EQ(counts.output, 200);
    EXPECT_EQ(counts.reasoning, 300);
    config::Pricing pricing;
    pricing.input = 2'000'000;         // $2 / 1M
    pricing.cached_input = 500'000;    // $0.50 / 1M
    pricing.output = 8'000'000;        // $8 / 1M, reasoning priced as output
    // 200*2 + 800*0.5 + 500*8 = 4800 micro-USD = 4'800'000 nano-USD
    EXPECT_EQ(cost_nano_usd(counts, pricing), 4'800'000);
    config::TokenWeights weights;
    weights.cached_input = 0.25;
    EXPECT_EQ(weighted_tokens(counts, weights), 200 + 200 + 200 + 300);
}

TEST(CostModel, HugeCountsSaturateInsteadOfWrappingAround) {
    TokenCounts counts;
    counts.output = std::numeric_limits<std::int64_t>::max();
    config::Pricing pricing;
    pricing.output = 10'000'000;
    config::TokenWeights weights;
    weights.output = 100;
    EXPECT_EQ(weighted_tokens(counts, weights), kMaxAmount);
    EXPECT_EQ(cost_nano_usd(counts, pricing), kMaxAmount);

    // And the largest amount is refused by any limit, rolling or calendar, not admitted.
    FakeClocks clocks;
    LocalQuotaStore store = clocks.store();
    config::Limits limits;
    limits.tokens_per_minute = 1'000'000'000'000;
    limits.budget_micro_usd_per_day = 1'000'000'000'000'000;
    const ScopeCheck check = key_scope(limits);
    Amount reserve;
    reserve.tokens = kMaxAmount;
    EXPECT_FALSE(store.admit_now({&check, 1}, reserve).admitted());
    reserve.tokens = 0;
    reserve.nano_usd = kMaxAmount;
    EXPECT_FALSE(store.admit_now({&check, 1}, reserve).admitted());
    EXPECT_TRUE(store.admit_now({&check, 1}, Amount{}).admitted());
}

TEST(RateLimitHeaders, DurationsLookLikeOpenAIs) {
    EXPECT_EQ(format_reset(milliseconds(250)), "250ms");
    EXPECT_EQ(format_reset(seconds(1)), "1s");
    EXPECT_EQ(format_reset(minutes(6)), "6m0s");
    EXPECT_EQ(format_reset(hours(1) + minutes(2) + seconds(3)), "1h2m3s");
    EXPECT_EQ(retry_after_seconds(milliseconds(1)), 1);
}

TEST(RateLimitHeaders, NumbersOfEveryLengthAreWrittenExactly) {
    // Every digit count, and both sides of each power of ten, the 32-bit boundary included.
    std::vector<std::int64_t> values{0, std::numeric_limits<std::int64_t>::max(), 4294967295, 4294967296};
    for (std::int64_t power = 1;; power *= 10) {
        values.insert(values.end(), {power - 1, power, power + 1, 7 * power});
        if (power > std::numeric_limits<std::int64_t>::max() / 10) break;  // 10^18: the last
    }
    for (const std::int64_t value : values) {
        Admission admission;
        admission.requests = RateInfo{true, value, value / 3, milliseconds(5)};
        // Twice: the second answer reuses the limit's digits from the first.
        std::string first, second;
        append_rate_limit_headers(first, admission);
        append_rate_limit_headers(second, admission);
        const std::string expected = "x-ratelimit-limit-requests: " + std::to_string(value) +
                                     "\r\nx-ratelimit-remaining-requests: " + std::to_string(value / 3) +
                                     "\r\nx-ratelimit-reset-requests: 5ms\r\n";
        EXPECT_EQ(first, expected);
        EXPECT_EQ(second, expected);
    }
}

TEST(LocalQuotaStore, WeeklyTokensAndBudgetResetOnMonday) {
    FakeClocks clocks;
    clocks.system = FakeClocks::sys_days_of(2026, 11, 27);  // a Friday
    LocalQuotaStore store = clocks.store();
    config::Limits limits;
    limits.tokens_per_week = 100;
    limits.budget_micro_usd_per_week = 1'000;  // $0.001
    const ScopeCheck check = key_scope(limits);
    Amount reserve;
    reserve.tokens = 60;
    reserve.nano_usd = 600'000;
    ASSERT_TRUE(store.admit_now({&check, 1}, reserve).admitted());
    const Admission refused = store.admit_now({&check, 1}, reserve);  // 120 tokens > 100
    ASSERT_FALSE(refused.admitted());
    EXPECT_EQ(refused.refusal->kind, LimitKind::tokens_per_week);
    EXPECT_EQ(duration_cast<hours>(refused.refusal->retry_after), hours(72));  // until Monday 00:00
    clocks.system += hours(24 * 2 + 23);  // Sunday 23:00: same week
    EXPECT_FALSE(store.admit_now({&check, 1}, reserve).admitted());
    clocks.system += hours(1);            // Monday
    EXPECT_TRUE(store.admit_now({&check, 1}, reserve).admitted());
    reserve.tokens = 1;
    const Admission broke = store.admit_now({&check, 1}, reserve);  // $0.0012 > $0.001
    ASSERT_FALSE(broke.admitted());
    EXPECT_EQ(broke.refusal->kind, LimitKind::budget_per_week);
}

TEST(LocalQuotaStore, UsageReportsEachConfiguredLimitWithoutReserving) {
    FakeClocks clocks;
    LocalQuotaStore store = clocks.store();
    config::ScopeLimits limits;
    limits.all.requests_per_minute = 10;
    limits.all.budget_micro_usd_per_day = 2'000'000;  // $2
    limits.per_model["demo"].concurrency = 3;
    const ScopeCheck check{"key:a", "demo", &limits.all, &limits.per_model["demo"]};
    // Before any traffic the scope is unknown to the store: everything unused.
    for (const LimitUsage& entry : store.usage_now("key:a", limits)) EXPECT_EQ(entry.used, 0);

    Amount reserve;
    reserve.nano_usd = 500'000'000;  // $0.50
    const Admission held = store.admit_now({&check, 1}, reserve);
    ASSERT_TRUE(held.admitted());
    const auto usage = store.usage_now("key:a", limits);
    ASSERT_EQ(usage.size(), 3u);
    EXPECT_EQ(usage[0].kind, LimitKind::requests_per_minute);
    EXPECT_EQ(usage[0].used, 1);
    EXPECT_EQ(usage[1].kind, LimitKind::budget_per_day);
    EXPECT_EQ(usage[1].limit, 2'000'000'000);
    EXPECT_EQ(usage[1].used, 500'000'000);
    EXPECT_EQ(usage[1].reset, hours(24));  // the fake clock sits at midnight UTC
    EXPECT_EQ(usage[2].kind, LimitKind::concurrency);
    EXPECT_EQ(usage[2].model, "demo");
    EXPECT_EQ(usage[2].used, 1);
    EXPECT_EQ(store.usage_now("key:a", limits)[0].used, 1);  // reading spent nothing

    store.settle(held, Amount{1, 0, 100'000'000});
    const auto settled = store.usage_now("key:a", limits);
    EXPECT_EQ(settled[1].used, 100'000'000);
    EXPECT_EQ(settled[2].used, 0);  // the slot is free again
}

}  // namespace
}  // namespace infergate::quota
