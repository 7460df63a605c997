// The compiled route table: names resolve to routes (own, alias, "*"), the picker never leaves a
// model without a target (panic mode), a retry avoids the target that failed, and a reload keeps
// the live state of targets that did not change.
#include <gtest/gtest.h>

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/routing/target_picker.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::routing {
namespace {

constexpr const char* kConfig = R"(backends:
  a: { url: "http://a:8000", outlier_detection: { consecutive_failures: 1, base_ejection: 10s } }
  b: { url: "http://b:8000", outlier_detection: { consecutive_failures: 1, base_ejection: 10s } }
models:
  llama:
    targets: [ { backend: a, model: l3 }, { backend: b, model: l3 } ]
    fallbacks: [small]
  small: { targets: [ { backend: b } ] }
  big: { alias: llama }
  "*": { targets: [ { backend: a } ] }
)";

SnapshotPtr build(observability::Metrics& metrics, const Snapshot* previous = nullptr,
                  const std::string& yaml = kConfig) {
    config::LoadResult loaded = config::testing::load(yaml);
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    SnapshotBuild built = build_snapshot(std::move(*loaded.config), 1, metrics, previous);
    EXPECT_TRUE(built.errors.empty()) << ::testing::PrintToString(built.errors);
    return built.snapshot;
}

TEST(RouteTable, NamesResolveToTheirRouteAnAliasesTargetOrTheWildcard) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    const RouteTable& table = snapshot->routes;
    ASSERT_NE(table.find("llama"), nullptr);
    EXPECT_EQ(table.find("llama")->model, "llama");
    EXPECT_EQ(table.find("big"), table.find("llama"));
    EXPECT_TRUE(table.find("anything-else")->passthrough);
    ASSERT_EQ(table.find("llama")->fallbacks.size(), 1u);
    EXPECT_EQ(table.find("llama")->fallbacks[0], table.find("small"));
    // The "*" route sends what the client asked for; the others their target's name.
    const Route& wildcard = *table.find("x");
    EXPECT_EQ(upstream_model(wildcard, wildcard.targets[0], "x"), "x");
    const Route& llama = *table.find("llama");
    EXPECT_EQ(upstream_model(llama, llama.targets[0], "big"), "l3");
}

TEST(TargetPicker, AnEjectedTargetIsSkippedUntilEveryTargetIsEjected) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    const Route& llama = *snapshot->routes.find("llama");
    const auto now = std::chrono::steady_clock::now();
    llama.targets[0].state->breaker.record(false, now);  // one failure ejects (threshold 1)
    for (int i = 0; i < 50; ++i) {
        const auto choice = pick_target(llama, 0, 0, now);
        ASSERT_TRUE(choice);
        EXPECT_EQ(choice->index, 1u);
        EXPECT_FALSE(choice->panic);
    }
    llama.targets[1].state->breaker.record(false, now);
    // Refusing everything would be worse than trying a target that may have recovered.
    const auto choice = pick_target(llama, 0, 0, now);
    ASSERT_TRUE(choice);
    EXPECT_TRUE(choice->panic);
}

TEST(TargetPicker, ARetryPrefersATargetNotTriedYet) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    const Route& llama = *snapshot->routes.find("llama");
    const auto now = std::chrono::steady_clock::now();
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(pick_target(llama, 0, /*tried_mask=*/0b01, now)->index, 1u);
        EXPECT_EQ(pick_target(llama, 0, /*tried_mask=*/0b10, now)->index, 0u);
    }
}

TEST(RouteTable, AReloadKeepsTheStateOfUnchangedTargetsOnly) {
    observability::Metrics metrics;
    const SnapshotPtr first = build(metrics);
    const SnapshotPtr second = build(metrics, first.get());
    const Route& before = *first->routes.find("llama");
    const Route& after = *second->routes.find("llama");
    EXPECT_EQ(before.targets[0].state, after.targets[0].state);  // same breaker, same load
    EXPECT_EQ(before.retry_budget, after.retry_budget);

    std::string changed = kConfig;
    const std::string a_line = R"(a: { url: "http://a:8000", outlier_detection: { consecutive_failures: 1,)";
    changed.replace(changed.find(a_line), a_line.size(),
                    R"(a: { url: "http://a:8000", outlier_detection: { consecutive_failures: 9,)");
    const SnapshotPtr third = build(metrics, second.get(), changed);
    const Route& now = *third->routes.find("llama");
    EXPECT_NE(after.targets[0].state, now.targets[0].state);  // backend a's breaker changed
    EXPECT_EQ(after.targets[1].state, now.targets[1].state);
}

}  // namespace
}  // namespace infergate::routing
