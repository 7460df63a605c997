// ${VAR} expansion, and the promise that no error message ever carries a credential.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::load;
using ::testing::Not;
using testing::with_routes;

constexpr std::string_view canary = "sk-canary-BACKEND-7f3a";

TEST(ConfigLoader, ExpandsEnvironmentVariablesInAnyScalar) {
    const LoadResult result = load(R"(server:
  listen: "${HOST}:${PORT}"
  workers: ${WORKERS}
backends:
  b:
    url: "http://${UPSTREAM}"
    api_key: "${OPENAI_API_KEY}"
    timeouts: { total: "${TOTAL}" }
models:
  m: { targets: [ { backend: b, model: "${MODEL}-instruct" } ] }
)",
                                   {{"HOST", "127.0.0.1"},
                                    {"PORT", "9000"},
                                    {"WORKERS", "3"},
                                    {"UPSTREAM", "vllm:8000"},
                                    {"OPENAI_API_KEY", std::string{canary}},
                                    {"TOTAL", "2m"},
                                    {"MODEL", "llama"}});
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    const Config& config = *result.config;
    EXPECT_EQ(config.server.listen_host, "127.0.0.1");
    EXPECT_EQ(config.server.listen_port, 9000);
    EXPECT_EQ(config.server.workers, 3u);
    const Backend& backend = config.backends.at("b");
    EXPECT_EQ(backend.url, "http://vllm:8000");
    EXPECT_EQ(backend.host, "vllm");
    EXPECT_EQ(backend.port, 8000);
    EXPECT_EQ(backend.api_key.reveal(), canary);
    EXPECT_EQ(backend.timeouts.total, std::chrono::minutes(2));
    EXPECT_EQ(config.models.at("m").targets[0].model, "llama-instruct");
}

TEST(ConfigLoader, ExpandsAnEmptyVariableToAnEmptyString) {
    const LoadResult result = load(
        "backends:\n  b: { url: \"http://h\", api_key: \"${KEY}\" }\n"
        "models:\n  m: { targets: [ { backend: b } ] }\n",
        {{"KEY", ""}});
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_TRUE(result.config->backends.at("b").api_key.empty());
}

TEST(ConfigLoader, KeepsEscapedAndLoneDollarSigns) {
    const LoadResult result =
        load(with_routes("log: { access_log: { path: \"/var/$${LOG}/a$b$\" } }\n"));
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_EQ(result.config->log.access_path, "/var/${LOG}/a$b$");
}

TEST(ConfigLoader, ReportsAMissingVariableByName) {
    const LoadResult result = load(R"(backends:
  openai:
    url: "https://api.openai.com"
    api_key: "${OPENAI_API_KEY}"
models:
  m: { targets: [ { backend: openai } ] }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:4:14: backends.openai.api_key: environment variable "
                            "OPENAI_API_KEY is not set"));
}

TEST(ConfigLoader, ReportsEveryMissingVariableInOneValue) {
    const LoadResult result =
        load(with_routes("server: { listen: \"${HOST}:${PORT}\" }\n"), {{"PORT", "1"}});
    EXPECT_THAT(result.errors, ElementsAre("infergate.yaml:1:19: server.listen: environment "
                                           "variable HOST is not set"));
    const LoadResult both = load(with_routes("server: { listen: \"${HOST}:${PORT}\" }\n"));
    EXPECT_THAT(both.errors,
                ElementsAre("infergate.yaml:1:19: server.listen: environment variable HOST is "
                            "not set",
                            "infergate.yaml:1:19: server.listen: environment variable PORT is "
                            "not set"));
}

TEST(ConfigLoader, ReportsMalformedReferences) {
    const LoadResult result = load(with_routes(R"(server:
  listen: "${HOST"
  workers: "${}"
log: { level: "${LOG-LEVEL}" }
)"));
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:11: server.listen: unterminated \"${\" "
                            "(missing \"}\")",
                            "infergate.yaml:3:12: server.workers: invalid environment variable "
                            "name in \"${...}\" (use letters, digits and _)",
                            "infergate.yaml:4:15: log.level: invalid environment variable name in "
                            "\"${...}\" (use letters, digits and _)"));
}

TEST(ConfigLoader, ShowsTheReferenceInsteadOfAValueFromTheEnvironment) {
    const LoadResult result = load(with_routes(R"(server:
  workers: "${WORKERS}"
  listen: "0.0.0.0:${PORT}"
log: { level: "${LEVEL}" }
)"),
                                   {{"WORKERS", "many"}, {"PORT", "99999"}, {"LEVEL", "loud"}});
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:12: server.workers: expected an integer, "
                            "got \"${WORKERS}\" (value from the environment not shown)",
                            "infergate.yaml:3:11: server.listen: port must be a number from 0 to "
                            "65535, got \"0.0.0.0:${PORT}\" (value from the environment not shown)",
                            "infergate.yaml:4:15: log.level: unknown log level \"${LEVEL}\" (value "
                            "from the environment not shown) (expected trace, debug, info, warn, "
                            "error, critical or off)"));
}

TEST(ConfigLoader, NeverPutsAnApiKeyIntoAMessage) {
    // An invalid config around a literal key, and the same key reached through ${VAR}.
    const std::string yaml = R"(backends:
  a:
    url: "https://user@api.example.com"
    api_key: "sk-canary-BACKEND-7f3a"
    api_key: "sk-canary-BACKEND-7f3a-second"
    provider: bogus
  b:
    url: "http://h"
    api_key: "sk-canary-BACKEND-7f3a${MISSING}"
  c:
    url: "http://h"
    api_key: "${KEY}"
    max_event_bytes: "${KEY}"
  d:
    url: "http://h"
    api_key: "sk-canary-BACKEND-7f3a${BROKEN"
  e:
    url: "http://h"
    api_key: { value: "sk-canary-BACKEND-7f3a" }
  f:
    url: "http://h"
    api_key: "${sk-canary-BACKEND-7f3a}"
models:
  m: { targets: [ { backend: nope } ] }
)";
    const LoadResult result = load(yaml, {{"KEY", std::string{canary}}});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.errors.size(), 9u) << ::testing::PrintToString(result.errors);
    for (const std::string& error : result.errors) {
        EXPECT_THAT(error, Not(HasSubstr("canary"))) << error;
        EXPECT_THAT(error, Not(HasSubstr("7f3a"))) << error;
    }
}

TEST(ConfigLoader, NeverEchoesABackendUrl) {
    // A url can carry a token in its path or query; only the scheme or port is ever quoted.
    const LoadResult result = load(R"(backends:
  a: { url: "https://api.example.com/sk-canary-BACKEND-7f3a?key=sk-canary-BACKEND-7f3a" }
  b: { url: "https://api.example.com/sk-canary-BACKEND-7f3a v1" }
  c: { url: "sk-canary-BACKEND-7f3a" }
models:
  m: { targets: [ { backend: a } ] }
)");
    ASSERT_EQ(result.errors.size(), 3u) << ::testing::PrintToString(result.errors);
    for (const std::string& error : result.errors) {
        EXPECT_THAT(error, Not(HasSubstr("canary"))) << error;
    }
}

}  // namespace
}  // namespace infergate::config
