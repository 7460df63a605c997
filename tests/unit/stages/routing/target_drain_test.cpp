// Draining targets (POST /admin/targets/drain): a drained target is never picked, not even in
// panic mode; a route whose targets are all drained has no choice; readiness counts drained
// targets out; a reload keeps the drain, even one that changes the breaker settings.
#include <gtest/gtest.h>

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/routing/route_health.hpp"
#include "infergate/stages/routing/target_picker.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono;

const TimePoint t0{hours(1)};

SnapshotPtr build(observability::Metrics& metrics, const std::string& outlier = "consecutive_failures: 1",
                  const Snapshot* previous = nullptr) {
    const std::string yaml = R"(backends:
  a: { url: "http://127.0.0.1:9001", outlier_detection: { )" + outlier + R"(, error_rate: 0 } }
  b: { url: "http://127.0.0.1:9002" }
models:
  pair: { targets: [ { backend: a }, { backend: b } ] }
  solo: { targets: [ { backend: a } ], fallbacks: { models: [ pair ] } }
)";
    return config::testing::snapshot_of(yaml, metrics, previous);
}

const Route& route(const Snapshot& snapshot, const std::string& model) { return *snapshot.routes.routes().at(model); }

TEST(TargetDrain, ADrainedTargetIsNeverPicked) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    EXPECT_EQ(set_drained(snapshot->routes, "pair", "a", true), 1u);
    for (int i = 0; i < 50; ++i) {
        const auto choice = pick_target(route(*snapshot, "pair"), 0, 0, t0);
        ASSERT_TRUE(choice);
        EXPECT_EQ(choice->target->backend->name(), "b");
    }
    // "solo" shares backend a but was not named: it still serves.
    EXPECT_TRUE(pick_target(route(*snapshot, "solo"), 0, 0, t0));
    EXPECT_EQ(set_drained(snapshot->routes, "pair", "a", false), 1u);
    bool a_again = false;
    for (int i = 0; i < 50 && !a_again; ++i) a_again = pick_target(route(*snapshot, "pair"), 0, 0, t0)->target->backend->name() == "a";
    EXPECT_TRUE(a_again);
}

TEST(TargetDrain, PanicModeStillLeavesDrainedTargetsOut) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics, "consecutive_failures: 1");
    const Route& pair = route(*snapshot, "pair");
    set_drained(snapshot->routes, "pair", "b", true);
    pair.targets[0].state->breaker.record(false, t0);  // a ejected: every usable target is out
    const auto choice = pick_target(pair, 0, 0, t0);
    ASSERT_TRUE(choice);
    EXPECT_TRUE(choice->panic);
    EXPECT_EQ(choice->target->backend->name(), "a");
}

TEST(TargetDrain, EveryTargetDrainedLeavesNoChoiceAndTheModelUnavailable) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    EXPECT_EQ(set_drained(snapshot->routes, "", "a", true), 2u);  // no model: every route's target on a
    EXPECT_FALSE(pick_target(route(*snapshot, "solo"), 0, 0, t0));
    EXPECT_EQ(unavailable_models(snapshot->routes, t0), std::vector<std::string>{"solo"});
    EXPECT_EQ(set_drained(snapshot->routes, "pair", "nope", true), 0u);
}

TEST(TargetDrain, AReloadKeepsTheDrainEvenWithNewBreakerSettings) {
    observability::Metrics metrics;
    const SnapshotPtr first = build(metrics);
    set_drained(first->routes, "pair", "a", true);
    const SnapshotPtr same = build(metrics, "consecutive_failures: 1", first.get());
    EXPECT_TRUE(route(*same, "pair").targets[0].state->is_drained());
    const SnapshotPtr changed = build(metrics, "consecutive_failures: 7", same.get());
    EXPECT_NE(route(*changed, "pair").targets[0].state, route(*same, "pair").targets[0].state);
    EXPECT_TRUE(route(*changed, "pair").targets[0].state->is_drained());
    EXPECT_FALSE(route(*changed, "pair").targets[1].state->is_drained());
}

}  // namespace
}  // namespace infergate::routing
