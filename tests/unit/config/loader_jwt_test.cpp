// auth.jwt: the issuers the loader reads, and the exact messages for mistakes. Key files are
// only checked for readability here (the snapshot parses them), so any readable file will do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using testing::load;
using testing::with_routes;

const testing::Env kEnv{{"KEY_FILE", INFERGATE_TEST_DATA_DIR "/config/ca.pem"}};

TEST(ConfigJwt, ReadsIssuersWithDefaults) {
    const LoadResult result = load(with_routes(R"(auth:
  jwt:
    - name: corp-sso
      issuer: https://sso.example.com
      audience: infergate
      jwks_file: "${KEY_FILE}"
    - name: ci.bot
      issuer: https://ci.example.com
      audience: [infergate, infergate-ci]
      pem_file: "${KEY_FILE}"
      tenant_claim: team
      models_claim: scope
      leeway: 0s
)"), kEnv);
    ASSERT_TRUE(result.config) << ::testing::PrintToString(result.errors);
    const auto& jwt = result.config->auth.jwt;
    ASSERT_EQ(jwt.size(), 2u);
    EXPECT_TRUE(result.config->auth.enabled());

    EXPECT_EQ(jwt[0].name, "corp-sso");
    EXPECT_EQ(jwt[0].issuer, "https://sso.example.com");
    EXPECT_THAT(jwt[0].audiences, ElementsAre("infergate"));
    EXPECT_EQ(jwt[0].jwks_file, INFERGATE_TEST_DATA_DIR "/config/ca.pem");
    EXPECT_EQ(jwt[0].pem_file, "");
    EXPECT_EQ(jwt[0].tenant_claim, "tenant");
    EXPECT_EQ(jwt[0].models_claim, "models");
    EXPECT_EQ(jwt[0].leeway, std::chrono::seconds{30});

    EXPECT_THAT(jwt[1].audiences, ElementsAre("infergate", "infergate-ci"));
    EXPECT_EQ(jwt[1].jwks_file, "");
    EXPECT_EQ(jwt[1].pem_file, INFERGATE_TEST_DATA_DIR "/config/ca.pem");
    EXPECT_EQ(jwt[1].tenant_claim, "team");
    EXPECT_EQ(jwt[1].models_claim, "scope");
    EXPECT_EQ(jwt[1].leeway, std::chrono::seconds{0});
}

TEST(ConfigJwt, ReportsEveryMistakeAtItsPosition) {
    const LoadResult result = load(with_routes(R"(auth:
  jwt:
    - { name: "a b", issuer: https://a, audience: [], jwks_file: /nonexistent/jwks.json }
    - { name: ok, issuer: "", audience: x, jwks_file: "${KEY_FILE}", pem_file: "${KEY_FILE}" }
    - { name: none, issuer: https://n, audience: x, leeway: 2d }
    - { name: ok, issuer: https://a, audience: x, pem_file: "${KEY_FILE}", leeway: 1500ms }
    - { issuer: https://b, audience: x, pem_file: "${KEY_FILE}", algorithms: [HS256], tenant_claim: "" }
)"), kEnv);
    EXPECT_THAT(
        result.errors,
        ElementsAre(
            "infergate.yaml:3:15: auth.jwt[0].name: issuer names may only contain letters, digits, "
            "\".\", \"_\" and \"-\" (they appear in logs and metrics)",
            "infergate.yaml:3:51: auth.jwt[0].audience: needs at least one audience",
            "infergate.yaml:3:66: auth.jwt[0].jwks_file: cannot read file: No such file or directory",
            "infergate.yaml:4:7: auth.jwt[1]: needs exactly one of jwks_file or pem_file",
            "infergate.yaml:4:27: auth.jwt[1].issuer: must not be empty",
            "infergate.yaml:5:7: auth.jwt[2]: needs exactly one of jwks_file or pem_file",
            "infergate.yaml:5:61: auth.jwt[2].leeway: expected a duration like 30s, got \"2d\"",
            "infergate.yaml:6:7: auth.jwt[3]: same issuer as \"a b\"",
            "infergate.yaml:6:7: auth.jwt[3]: duplicate issuer name \"ok\"",
            "infergate.yaml:6:84: auth.jwt[3].leeway: must be whole seconds",
            "infergate.yaml:7:7: auth.jwt[4].name: is required",
            "infergate.yaml:7:66: auth.jwt[4].algorithms: unknown key",
            "infergate.yaml:7:101: auth.jwt[4].tenant_claim: must not be empty"));
}

TEST(ConfigJwt, LeewayIsAtMostOneDay) {
    const LoadResult result = load(with_routes(R"(auth:
  jwt: [ { name: a, issuer: https://a, audience: x, pem_file: "${KEY_FILE}", leeway: 25h } ]
)"), kEnv);
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:86: auth.jwt[0].leeway: must be at most 24h"));
}

}  // namespace
}  // namespace infergate::config
