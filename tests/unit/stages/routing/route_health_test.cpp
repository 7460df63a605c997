// route_health: health check results reach every breaker on the checked backend (once each),
// target status as readiness and /admin/targets report it, the infergate_target_healthy gauge,
// and what a reload keeps of a check ejection.
#include "infergate/stages/routing/route_health.hpp"

#include <gtest/gtest.h>

#include "infergate/config/snapshot.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono;

const TimePoint t0{hours(1)};

const std::string kChecked = R"(
    health_check: { interval: 1s, unhealthy_threshold: 2, healthy_threshold: 2 }
    outlier_detection: { consecutive_failures: 1, error_rate: 0 })";

// Backends a (checked unless `a_settings` says otherwise) and b; "pair" on both, "solo" on a,
// "other" on b.
SnapshotPtr build(observability::Metrics& metrics, const std::string& a_settings = kChecked,
                  const Snapshot* previous = nullptr) {
    const std::string yaml = R"(backends:
  a:
    url: "http://127.0.0.1:9001")" + a_settings + R"(
  b: { url: "http://127.0.0.1:9002" }
models:
  pair: { targets: [ { backend: a }, { backend: b } ] }
  solo: { targets: [ { backend: a, model: up-solo } ] }
  other: { targets: [ { backend: b } ] }
)";
    config::LoadResult loaded = config::testing::load(yaml);
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    SnapshotBuild built = build_snapshot(std::move(*loaded.config), 1, metrics, previous);
    EXPECT_TRUE(built.errors.empty()) << ::testing::PrintToString(built.errors);
    return built.snapshot;
}

const RouteTarget& target(const Snapshot& snapshot, const std::string& model, std::size_t index) {
    return snapshot.routes.routes().at(model)->targets.at(index);
}

TargetStatus status(const Snapshot& snapshot, const std::string& model, std::size_t index, TimePoint now = t0) {
    return status_of(target(snapshot, model, index).state->breaker, now);
}

TEST(RouteHealth, StatusFollowsTheBreaker) {
    BreakerSettings settings;
    settings.consecutive_failures = 1;
    settings.error_rate = 0;
    CircuitBreaker breaker(settings);
    EXPECT_EQ(status_of(breaker, t0), TargetStatus::healthy);
    breaker.record(false, t0);
    EXPECT_EQ(status_of(breaker, t0), TargetStatus::ejected);
    EXPECT_EQ(status_of(breaker, t0 + seconds(30)), TargetStatus::half_open);  // the cooldown ended by time
    for (int i = 0; i < 3; ++i) breaker.health_check(false, t0);
    EXPECT_EQ(status_of(breaker, t0 + seconds(30)), TargetStatus::failing_health_checks);
    EXPECT_EQ(label(TargetStatus::failing_health_checks), "failing_health_checks");
    EXPECT_TRUE(usable(TargetStatus::half_open));
    EXPECT_FALSE(usable(TargetStatus::ejected));
    EXPECT_FALSE(usable(TargetStatus::failing_health_checks));
}

TEST(RouteHealth, ChecksFeedEveryTargetOnTheBackendAndNoOther) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    const RouteTable& routes = snapshot->routes;
    EXPECT_EQ(record_health_check(routes, "a", false, t0), 2u);  // pair[0] and solo[0]
    EXPECT_EQ(status(*snapshot, "pair", 0), TargetStatus::healthy);  // 1 of 2
    EXPECT_TRUE(unavailable_models(routes, t0).empty());
    record_health_check(routes, "a", false, t0);
    EXPECT_EQ(status(*snapshot, "pair", 0), TargetStatus::failing_health_checks);
    EXPECT_EQ(status(*snapshot, "solo", 0), TargetStatus::failing_health_checks);
    EXPECT_EQ(status(*snapshot, "pair", 1), TargetStatus::healthy);
    EXPECT_TRUE(failing_health_checks(routes, "a"));
    EXPECT_FALSE(failing_health_checks(routes, "b"));
    EXPECT_EQ(target(*snapshot, "solo", 0).metrics->ejections.Value(), 1);
    // "pair" still has b; "solo" has nothing left.
    EXPECT_EQ(unavailable_models(routes, t0), std::vector<std::string>{"solo"});

    record_health_check(routes, "a", true, t0);
    EXPECT_EQ(status(*snapshot, "solo", 0), TargetStatus::failing_health_checks);
    record_health_check(routes, "a", true, t0);
    EXPECT_EQ(status(*snapshot, "solo", 0), TargetStatus::healthy);
    EXPECT_TRUE(unavailable_models(routes, t0).empty());
    EXPECT_EQ(record_health_check(routes, "gone", false, t0), 0u);
}

TEST(RouteHealth, AModelWhoseTargetsAreAllEjectedIsUnavailableUntilACooldownEnds) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    target(*snapshot, "other", 0).state->breaker.record(false, t0);  // b's outlier detection: defaults
    for (int i = 0; i < 5; ++i) target(*snapshot, "other", 0).state->breaker.record(false, t0);
    EXPECT_EQ(unavailable_models(snapshot->routes, t0), std::vector<std::string>{"other"});
    EXPECT_TRUE(unavailable_models(snapshot->routes, t0 + seconds(30)).empty());  // half-open: may probe
}

TEST(RouteHealth, GaugesShowWhetherEachTargetServesNow) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    target(*snapshot, "pair", 1).state->breaker.record(false, t0);
    for (int i = 0; i < 5; ++i) target(*snapshot, "pair", 1).state->breaker.record(false, t0);
    record_health_check(snapshot->routes, "a", false, t0);
    record_health_check(snapshot->routes, "a", false, t0);
    refresh_target_gauges(snapshot->routes, t0);
    EXPECT_EQ(target(*snapshot, "pair", 0).metrics->healthy.Value(), 0);
    EXPECT_EQ(target(*snapshot, "pair", 1).metrics->healthy.Value(), 0);
    EXPECT_EQ(target(*snapshot, "other", 0).metrics->healthy.Value(), 1);
    refresh_target_gauges(snapshot->routes, t0 + seconds(30));  // b's ejection ended by time
    EXPECT_EQ(target(*snapshot, "pair", 1).metrics->healthy.Value(), 1);
    EXPECT_EQ(target(*snapshot, "pair", 0).metrics->healthy.Value(), 0);  // checks have no end
}

TEST(RouteHealth, AReloadKeepsACheckEjectionOnlyWhileChecksStillRun) {
    observability::Metrics metrics;
    const SnapshotPtr first = build(metrics);
    record_health_check(first->routes, "a", false, t0);
    record_health_check(first->routes, "a", false, t0);
    ASSERT_EQ(status(*first, "solo", 0), TargetStatus::failing_health_checks);

    const SnapshotPtr same = build(metrics, kChecked, first.get());
    EXPECT_EQ(target(*same, "solo", 0).state, target(*first, "solo", 0).state);
    EXPECT_EQ(status(*same, "solo", 0), TargetStatus::failing_health_checks);

    // No checks any more: nothing would ever clear it, so the target starts afresh.
    const SnapshotPtr unchecked = build(metrics, R"(
    outlier_detection: { consecutive_failures: 1, error_rate: 0 })", same.get());
    EXPECT_EQ(status(*unchecked, "solo", 0), TargetStatus::healthy);
    EXPECT_EQ(target(*unchecked, "solo", 0).state->breaker.settings().unhealthy_threshold, 0u);
}

TEST(RouteHealth, AReloadKeepsTheBreakerOfAnUnchangedTarget) {
    observability::Metrics metrics;
    const std::string outliers = R"(
    outlier_detection: { consecutive_failures: 1, error_rate: 0 })";
    const SnapshotPtr first = build(metrics, outliers);
    target(*first, "pair", 0).state->breaker.record(false, t0);  // a's target of "pair" fails
    ASSERT_EQ(status(*first, "pair", 0), TargetStatus::ejected);

    const SnapshotPtr reloaded = build(metrics, outliers, first.get());
    EXPECT_EQ(target(*reloaded, "pair", 0).state, target(*first, "pair", 0).state);
    EXPECT_EQ(status(*reloaded, "pair", 0), TargetStatus::ejected);
    EXPECT_EQ(status(*reloaded, "pair", 1), TargetStatus::healthy);
    // A breaker that works differently now starts afresh.
    const SnapshotPtr changed = build(metrics, R"(
    outlier_detection: { consecutive_failures: 5, error_rate: 0 })", reloaded.get());
    EXPECT_EQ(status(*changed, "pair", 0), TargetStatus::healthy);
}

}  // namespace
}  // namespace infergate::routing
