// config_json: GET /admin/config's rendering. A distinctive secret is planted in every field
// that can carry a credential (a backend's api_key, written or from ${VAR}, each of api_keys,
// headers a policy adds upstream, model's and key's) and must not appear anywhere in the
// output; nor may the admin key's or an API key's SHA-256.
#include "infergate/config/config_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "infergate/stages/auth/api_key.hpp"

namespace infergate::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kPlanted = "PLANTED-SECRET-d41d8cd98f";

std::string planted(std::string_view where) { return std::string(kPlanted) + "-" + std::string(where); }

TEST(ConfigJson, NoCredentialEverAppears) {
    const std::string admin_hash = auth::to_hex(auth::sha256_of(planted("admin")));
    const std::string key_hash = auth::to_hex(auth::sha256_of(planted("client")));
    const std::string yaml = R"(
backends:
  direct: { url: "http://127.0.0.1:9001", api_key: ")" + planted("api_key") + R"(" }
  from_env: { url: "http://127.0.0.1:9002", api_key: "${UPSTREAM_KEY}" }
  pooled: { url: "http://127.0.0.1:9003", api_keys: [ ")" + planted("pool1") + R"(", { key: ")" +
                             planted("pool2") + R"(", weight: 2 } ] }
models:
  m:
    targets: [ { backend: direct }, { backend: from_env }, { backend: pooled } ]
    policies:
      headers: { add: { X-Upstream-Auth: "Bearer )" + planted("model_header") + R"(", X-Org: ")" +
                             planted("org") + R"(" } }
auth:
  keys:
    - id: app1
      sha256: ")" + key_hash + R"("
      policies: { headers: { add: { X-Tenant-Token: ")" + planted("key_header") + R"(" } } }
admin:
  key_sha256: ")" + admin_hash + R"("
)";
    const LoadResult loaded = testing::load(yaml, {{"UPSTREAM_KEY", planted("env")}});
    ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    const std::string text = render_config(*loaded.config).dump();
    EXPECT_THAT(text, Not(HasSubstr(kPlanted)));
    EXPECT_THAT(text, Not(HasSubstr(admin_hash)));
    EXPECT_THAT(text, Not(HasSubstr(key_hash)));
    // What is there instead: fingerprints, enough to tell two keys apart.
    const auto config = render_config(*loaded.config);
    EXPECT_THAT(config["backends"]["direct"]["api_key"].get<std::string>(), HasSubstr("<redacted:"));
    EXPECT_EQ(config["backends"]["pooled"]["api_keys"].size(), 2u);
    EXPECT_THAT(config["models"]["m"]["policies"]["headers"]["add"]["x-upstream-auth"].get<std::string>(),
                HasSubstr("<redacted:"));
    EXPECT_EQ(config["admin"]["key_configured"], true);
    EXPECT_EQ(config["auth"]["keys"][0]["id"], "app1");
}

TEST(ConfigJson, ShowsDefaultsInTheConfigsOwnWords) {
    const LoadResult loaded = testing::load(testing::with_routes(""));
    ASSERT_TRUE(loaded.ok());
    const auto config = render_config(*loaded.config);
    EXPECT_EQ(config["server"]["listen"], "0.0.0.0:8080");
    EXPECT_EQ(config["server"]["header_timeout"], "10s");
    EXPECT_EQ(config["backends"]["b"]["timeouts"]["total"], "10m");
    EXPECT_EQ(config["backends"]["b"]["provider"], "openai");
    EXPECT_EQ(config["models"]["m"]["strategy"], "p2c_ewma");
    EXPECT_EQ(config["models"]["m"]["retry"]["on"], nlohmann::ordered_json::array({"connect_error"}));
    EXPECT_EQ(config["auth"]["keys"], nlohmann::ordered_json::array());
}

TEST(ConfigJson, DurationsInTheLargestWholeUnit) {
    EXPECT_EQ(duration_text(std::chrono::milliseconds(250)), "250ms");
    EXPECT_EQ(duration_text(std::chrono::milliseconds(1500)), "1500ms");
    EXPECT_EQ(duration_text(std::chrono::seconds(90)), "90s");
    EXPECT_EQ(duration_text(std::chrono::minutes(5)), "5m");
    EXPECT_EQ(duration_text(std::chrono::milliseconds(0)), "0ms");
}

}  // namespace
}  // namespace infergate::config
