// The /admin/targets report: every route and target with its live state, timestamps in
// RFC 3339, and no credentials.
#include "infergate/stages/routing/target_report.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/routing/route_health.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::routing {
namespace {

using namespace std::chrono;
using Json = nlohmann::json;

const TimePoint t0{hours(1)};
const system_clock::time_point wall0{seconds(1714564800)};  // 2024-05-01T12:00:00Z

SnapshotPtr build(observability::Metrics& metrics) {
    config::LoadResult loaded = config::testing::load(R"(backends:
  a:
    url: "http://127.0.0.1:9001"
    api_key: "sk-report-secret-1234"
    health_check: { interval: 1s }
    outlier_detection: { consecutive_failures: 1, error_rate: 0 }
  b: { url: "http://127.0.0.1:9002" }
models:
  chat:
    strategy: weighted
    targets: [ { backend: a, model: up-chat, weight: 3 }, { backend: b } ]
    retry: { budget: { ratio: 0.5, min_per_second: 4 } }
    fallbacks: [ small ]
  small: { targets: [ { backend: b } ] }
  "*": { targets: [ { backend: b } ] }
)");
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    SnapshotBuild built = build_snapshot(std::move(*loaded.config), 1, metrics);
    EXPECT_TRUE(built.errors.empty()) << ::testing::PrintToString(built.errors);
    return built.snapshot;
}

TEST(TargetReport, Rfc3339IsUtcWithMilliseconds) {
    EXPECT_EQ(rfc3339(wall0 + milliseconds(250)), "2024-05-01T12:00:00.250Z");
    EXPECT_EQ(rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(TargetReport, ListsEveryRouteAndTargetWithItsState) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    const Route& chat = *snapshot->routes.routes().at("chat");
    chat.targets[0].state->breaker.record(false, t0);  // a: ejected for 30 s
    chat.targets[1].state->load.begin();
    chat.targets[1].state->load.end(milliseconds(40));
    chat.targets[1].state->load.begin();

    const std::string text = render_target_report(snapshot->routes, t0 + seconds(10), wall0);
    EXPECT_EQ(text.find("sk-report-secret"), std::string::npos);
    const Json report = Json::parse(text);
    EXPECT_EQ(report["object"], "targets");
    ASSERT_EQ(report["models"].size(), 3u);
    const Json& first = report["models"][0];  // by name: "*" sorts first
    EXPECT_EQ(first["model"], "*");
    EXPECT_EQ(first["passthrough"], true);
    EXPECT_TRUE(first["targets"][0]["upstream_model"].is_null());

    const Json& route = report["models"][1];
    EXPECT_EQ(route["model"], "chat");
    EXPECT_EQ(route["strategy"], "weighted");
    EXPECT_EQ(route["retry_budget"]["ratio"], 0.5);
    EXPECT_EQ(route["retry_budget"]["min_per_second"], 4);
    EXPECT_EQ(route["fallbacks"], Json::array({"small"}));
    EXPECT_TRUE(route["canary"].is_null());
    ASSERT_EQ(route["targets"].size(), 2u);
    const Json& ejected = route["targets"][0];
    EXPECT_EQ(ejected["backend"], "a");
    EXPECT_EQ(ejected["upstream_model"], "up-chat");
    EXPECT_EQ(ejected["weight"], 3);
    EXPECT_EQ(ejected["state"], "ejected");
    EXPECT_EQ(ejected["ejected_until"], "2024-05-01T12:00:20.000Z");  // 30 s after t0, 10 s ago
    EXPECT_EQ(ejected["ejections"], 1);
    EXPECT_EQ(ejected["in_flight"], 0);
    EXPECT_TRUE(ejected["ewma_latency_ms"].is_null());  // never sampled
    const Json& serving = route["targets"][1];
    EXPECT_EQ(serving["upstream_model"], "chat");
    EXPECT_EQ(serving["state"], "healthy");
    EXPECT_TRUE(serving["ejected_until"].is_null());
    EXPECT_EQ(serving["in_flight"], 1);
    EXPECT_DOUBLE_EQ(serving["ewma_latency_ms"].get<double>(), 40.0);
    EXPECT_EQ(report["models"][2]["model"], "small");
}

TEST(TargetReport, ShowsTargetsHeldOutByHealthChecksAndOnesWhoseCooldownEnded) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(metrics);
    const Route& chat = *snapshot->routes.routes().at("chat");
    chat.targets[0].state->breaker.record(false, t0);
    Json report = Json::parse(render_target_report(snapshot->routes, t0 + seconds(31), wall0));
    EXPECT_EQ(report["models"][1]["targets"][0]["state"], "half_open");
    for (int i = 0; i < 3; ++i) record_health_check(snapshot->routes, "a", false, t0 + seconds(31));
    report = Json::parse(render_target_report(snapshot->routes, t0 + seconds(31), wall0));
    EXPECT_EQ(report["models"][1]["targets"][0]["state"], "failing_health_checks");
    EXPECT_EQ(report["models"][1]["targets"][0]["ejections"], 2);
}

}  // namespace
}  // namespace infergate::routing
