// The snapshot reads every issuer's key file when it is built: an unusable file fails the
// load (or reload) with a message, never a request.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "infergate/config/snapshot.hpp"
#include "support/jwt_test_support.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate {
namespace {

using ::testing::ElementsAre;

SnapshotBuild build(const std::string& key_file, observability::Metrics& metrics) {
    config::LoadResult loaded = config::testing::load(config::testing::with_routes(
        "tenants: { team: {} }\n"
        "auth:\n  jwt: [ { name: sso, issuer: https://sso.test, audience: x, jwks_file: \"" +
        key_file + "\" } ]\n"));
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    return build_snapshot(std::move(*loaded.config), 1, metrics);
}

TEST(SnapshotJwt, AnUnusableJwksFailsTheBuild) {
    const auth::testing::TempDir dir;
    const std::string file = dir.write("jwks.json", R"({"keys": "none"})");
    observability::Metrics metrics;
    const SnapshotBuild result = build(file, metrics);
    EXPECT_EQ(result.snapshot, nullptr);
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml: auth.jwt: issuer https://sso.test: jwks_file " + file +
                            " is not a JWKS (a JSON object with a `keys` array)"));
}

TEST(SnapshotJwt, IssuersGetAVerifierAndBoundedMetrics) {
    const auth::testing::TempDir dir;
    const nlohmann::json jwks = {
        {"keys", {auth::testing::jwk_of(auth::testing::test_keys().ec.get(), "ec-1")}}};
    observability::Metrics metrics;
    const SnapshotBuild result = build(dir.write("jwks.json", jwks.dump()), metrics);
    ASSERT_NE(result.snapshot, nullptr) << ::testing::PrintToString(result.errors);
    EXPECT_TRUE(result.snapshot->jwt.has_value());
    // One series per issuer and declared tenant (or none): a token cannot add label values.
    EXPECT_NE(result.snapshot->metrics_for("jwt:sso", ""), nullptr);
    EXPECT_NE(result.snapshot->metrics_for("jwt:sso", "team"), nullptr);
    EXPECT_EQ(result.snapshot->metrics_for("jwt:sso", "other"), nullptr);
    EXPECT_EQ(result.snapshot->metrics_for("", ""), nullptr);
}

}  // namespace
}  // namespace infergate
