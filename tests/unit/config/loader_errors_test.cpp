// Every class of mistake comes back as "<source>:<line>:<col>: <key.path>: <message>".
// Positions: unknown and duplicate keys point at the key; a bad value points at the value;
// "is required" points at the key of the mapping that lacks it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using testing::load;
using testing::with_routes;

TEST(ConfigLoader, RejectsUnknownKeyWithLineAndPath) {
    const LoadResult result = load(with_routes("server:\n  listn: \"0.0.0.0:8080\"\n"));
    EXPECT_FALSE(result.config);
    EXPECT_THAT(result.errors, ElementsAre("infergate.yaml:2:3: server.listn: unknown key"));
}

TEST(ConfigLoader, RejectsUnknownKeysAtEveryLevel) {
    const LoadResult result = load(R"(tracing: on
log: { access_log: { fromat: json } }
backends:
  b: { url: "http://h", timeouts: { conect: 1s }, pool: { size: 1 }, tls: { verify: no }, retry: 2 }
models:
  m: { targets: [ { backend: b, wieght: 1 } ], aliases: x }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:1:1: tracing: unknown key",
                            "infergate.yaml:2:22: log.access_log.fromat: unknown key",
                            "infergate.yaml:4:37: backends.b.timeouts.conect: unknown key",
                            "infergate.yaml:4:59: backends.b.pool.size: unknown key",
                            "infergate.yaml:4:77: backends.b.tls.verify: unknown key",
                            "infergate.yaml:4:91: backends.b.retry: unknown key",
                            "infergate.yaml:6:33: models.m.targets[0].wieght: unknown key",
                            "infergate.yaml:6:48: models.m.aliases: unknown key"));
}

TEST(ConfigLoader, NamesAnUnknownBackendAtTheTargetValue) {
    const LoadResult result = load(R"(backends:
  vllm: { url: "http://vllm.internal:8000" }
models:
  llama:
    targets:
      - backend: vlm
)");
    EXPECT_THAT(result.errors, ElementsAre("infergate.yaml:6:18: models.llama.targets[0].backend: "
                                           "unknown backend \"vlm\""));
}

TEST(ConfigLoader, RequiresBackendsAndModels) {
    const LoadResult result = load("server: { workers: 2 }\n");
    EXPECT_THAT(result.errors, ElementsAre("infergate.yaml:1:1: backends: is required",
                                           "infergate.yaml:1:1: models: is required"));
}

TEST(ConfigLoader, RequiresAtLeastOneBackendAndOneModel) {
    const LoadResult result = load("backends: {}\nmodels:\n");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:1:11: backends: must define at least one backend",
                            "infergate.yaml:2:1: models: must define at least one model"));
}

TEST(ConfigLoader, RequiresTargetsUrlAndBackend) {
    const LoadResult result = load(R"(backends:
  b: { provider: openai }
models:
  x: {}
  y:
  z: { targets: [ { model: gpt-4o } ] }
)");
    EXPECT_THAT(result.errors, ElementsAre("infergate.yaml:2:3: backends.b.url: is required",
                                           "infergate.yaml:4:3: models.x.targets: is required",
                                           "infergate.yaml:5:3: models.y.targets: is required",
                                           "infergate.yaml:6:19: models.z.targets[0].backend: "
                                           "is required"));
}

TEST(ConfigLoader, RequiresAtLeastOneTarget) {
    const LoadResult result = load(R"(backends:
  b: { url: "http://h" }
models:
  a: { targets: [] }
  c:
    targets:
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:4:17: models.a.targets: must have at least one target",
                            "infergate.yaml:6:5: models.c.targets: must have at least one target"));
}

TEST(ConfigLoader, ReportsWrongNodeTypes) {
    const LoadResult result = load(R"(server: [ 1, 2 ]
log:
  level: [ info ]
backends:
  b:
    url: { host: h }
    timeouts: 5s
models:
  m: { targets: { backend: b } }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:1:9: server: expected a mapping, got a sequence",
                            "infergate.yaml:3:10: log.level: expected a string, got a sequence",
                            "infergate.yaml:6:10: backends.b.url: expected a string, got a mapping",
                            "infergate.yaml:7:15: backends.b.timeouts: expected a mapping, "
                            "got a scalar",
                            "infergate.yaml:9:17: models.m.targets: expected a sequence, "
                            "got a mapping"));
}

TEST(ConfigLoader, ReportsAWrongScalarWithWhatWasExpected) {
    const LoadResult result = load(with_routes(R"(server:
  workers: many
  max_body_bytes: ten
  header_timeout: 30
log:
  level: verbose
  access_log: { format: xml }
)"));
    EXPECT_THAT(
        result.errors,
        ElementsAre(
            "infergate.yaml:2:12: server.workers: expected an integer, got \"many\"",
            "infergate.yaml:3:19: server.max_body_bytes: expected a size like 10MiB, got \"ten\"",
            "infergate.yaml:4:19: server.header_timeout: expected a duration like 30s, got \"30\"",
            "infergate.yaml:6:10: log.level: unknown log level \"verbose\" "
            "(expected trace, debug, info, warn, error, critical or off)",
            "infergate.yaml:7:25: log.access_log.format: unknown access log format \"xml\" "
            "(expected json or text)"));
}

TEST(ConfigLoader, ReportsAnEmptyValueWhereAScalarIsNeeded) {
    const LoadResult result = load(with_routes("server:\n  workers:\n  listen: \"\"\n"));
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:3: server.workers: expected an integer, "
                            "got an empty value",
                            "infergate.yaml:3:11: server.listen: expected host:port like "
                            "\"0.0.0.0:8080\", got \"\""));
}

TEST(ConfigLoader, LimitsWorkers) {
    const LoadResult result = load(with_routes("server: { workers: 1025 }\n"));
    EXPECT_THAT(
        result.errors,
        ElementsAre("infergate.yaml:1:20: server.workers: must be at most 1024, got \"1025\""));
    const LoadResult negative = load(with_routes("server: { workers: -1 }\n"));
    EXPECT_THAT(negative.errors,
                ElementsAre("infergate.yaml:1:20: server.workers: must be at least 0, got \"-1\""));
    EXPECT_TRUE(load(with_routes("server: { workers: 1024 }\n")).ok());
}

TEST(ConfigLoader, LimitsPoolConnections) {
    const LoadResult result = load(R"(backends:
  a: { url: "http://h", pool: { max_connections: 0 } }
  b: { url: "http://h", pool: { max_connections: 100001 } }
models:
  m: { targets: [ { backend: a } ] }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:50: backends.a.pool.max_connections: must be at "
                            "least 1, got \"0\"",
                            "infergate.yaml:3:50: backends.b.pool.max_connections: must be at "
                            "most 100000, got \"100001\""));
}

TEST(ConfigLoader, QuotesValuesSafelyAndShortensLongOnes) {
    const std::string long_value(80, 'x');
    const LoadResult result = load(
        with_routes("server:\n  workers: \"a\\tb\\\"c\"\n  max_body_bytes: " + long_value + "\n"));
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:12: server.workers: expected an integer, "
                            "got \"a\\x09b\\\"c\"",
                            "infergate.yaml:3:19: server.max_body_bytes: expected a size like "
                            "10MiB, got \"" +
                                std::string(64, 'x') + "...\""));
}

TEST(ConfigLoader, RejectsBooleansOtherThanTrueAndFalse) {
    const LoadResult result = load(R"(backends:
  b: { url: "https://h", tls: { insecure_skip_verify: yes } }
models:
  m: { targets: [ { backend: b } ] }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:55: backends.b.tls.insecure_skip_verify: "
                            "expected true or false, got \"yes\""));
}

TEST(ConfigLoader, RejectsUnknownProviders) {
    const LoadResult result = load(R"(backends:
  other: { url: "http://h", provider: foo }
models:
  m: { targets: [ { backend: other } ] }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:39: backends.other.provider: unknown provider \"foo\" "
                            "(expected openai, azure_openai, anthropic or gemini)"));
}

TEST(ConfigLoader, ProviderSettingsBelongToTheirProviders) {
    const LoadResult result = load(R"(backends:
  plain: { url: "http://h", api_version: "2024-10-21", default_max_tokens: 100 }
  azure: { url: "https://x.openai.azure.com", provider: azure_openai, api_version: "2024?x=1" }
  claude: { url: "https://api.anthropic.com", provider: anthropic, default_max_tokens: 0 }
models:
  m: { targets: [ { backend: plain } ] }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:29: backends.plain.api_version: only azure_openai and "
                            "anthropic backends have an api_version",
                            "infergate.yaml:2:56: backends.plain.default_max_tokens: only anthropic "
                            "backends have a default_max_tokens",
                            "infergate.yaml:3:84: backends.azure.api_version: api_version \"2024?x=1\" may "
                            "only contain letters, digits, \"-\", \".\" and \"_\"",
                            "infergate.yaml:4:88: backends.claude.default_max_tokens: must be at least 1, got \"0\""));
}

TEST(ConfigLoader, ProvidersGetTheirApiVersionByDefault) {
    const LoadResult result = load(R"(backends:
  azure: { url: "https://x.openai.azure.com", provider: azure_openai }
  claude: { url: "https://api.anthropic.com", provider: anthropic, api_key: "k" }
  pinned: { url: "https://y.openai.azure.com", provider: azure_openai, api_version: "2025-01-01-preview" }
models:
  m: { targets: [ { backend: azure } ] }
)");
    ASSERT_TRUE(result.errors.empty()) << result.errors.front();
    const auto& backends = result.config->backends;
    EXPECT_EQ(backends.at("azure").provider, infergate::config::Provider::azure_openai);
    EXPECT_EQ(backends.at("azure").api_version, "2024-10-21");
    EXPECT_EQ(backends.at("claude").provider, infergate::config::Provider::anthropic);
    EXPECT_EQ(backends.at("claude").api_version, "2023-06-01");
    EXPECT_EQ(backends.at("claude").default_max_tokens, 4096);
    EXPECT_EQ(backends.at("pinned").api_version, "2025-01-01-preview");
}

TEST(ConfigLoader, ReportsAnUnreadableCaFile) {
    const LoadResult result = load(R"(backends:
  b: { url: "https://h", tls: { ca_file: /nonexistent/ca.pem } }
  c: { url: "https://h", tls: { ca_file: /tmp } }
models:
  m: { targets: [ { backend: b } ] }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:42: backends.b.tls.ca_file: cannot read file: "
                            "No such file or directory",
                            "infergate.yaml:3:42: backends.c.tls.ca_file: cannot read file: "
                            "Is a directory"));
}

TEST(ConfigLoader, RestrictsBackendAndModelNames) {
    const LoadResult result = load(R"(backends:
  "my backend": { url: "http://h" }
models:
  "": { targets: [ { backend: my backend } ] }
  "two words": { targets: [ { backend: my backend } ] }
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:3: backends.my backend: backend names may only "
                            "contain letters, digits, \".\", \"_\" and \"-\"",
                            "infergate.yaml:4:3: models.: model names must not be empty or "
                            "contain spaces or control characters",
                            "infergate.yaml:5:3: models.two words: model names must not be empty "
                            "or contain spaces or control characters"));
}

TEST(ConfigLoader, ReportsADuplicateKeyAtTheSecondWithTheLineOfTheFirst) {
    const LoadResult result = load(R"(server:
  listen: "0.0.0.0:8080"
  listen: "0.0.0.0:9090"
backends:
  b: { url: "http://h", url: "http://i" }
models:
  m: { targets: [ { backend: b } ] }
  m: { targets: [ { backend: b } ] }
server: {}
)");
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:3:3: server.listen: duplicate key (first defined at "
                            "line 2)",
                            "infergate.yaml:5:25: backends.b.url: duplicate key (first defined at "
                            "line 5)",
                            "infergate.yaml:8:3: models.m: duplicate key (first defined at line 7)",
                            "infergate.yaml:9:1: server: duplicate key (first defined at line 1)"));
}

TEST(ConfigLoader, CollectsAllErrorsInFileOrder) {
    // Found in schema order (server, log, backends, then models); printed in file order.
    const LoadResult result = load(R"(models:
  m: { targets: [ { backend: nope } ] }
backends:
  b: { url: "ftp://h", max_event_bytes: 0 }
log: { level: loud }
server: { listen: nowhere, max_body_bytes: 0, idle_timeout: 0s }
)");
    EXPECT_FALSE(result.config);
    EXPECT_THAT(
        result.errors,
        ElementsAre("infergate.yaml:2:30: models.m.targets[0].backend: unknown backend \"nope\"",
                    "infergate.yaml:4:13: backends.b.url: unsupported scheme \"ftp\" "
                    "(supported: http, https)",
                    "infergate.yaml:4:41: backends.b.max_event_bytes: must be greater than 0",
                    "infergate.yaml:5:15: log.level: unknown log level \"loud\" "
                    "(expected trace, debug, info, warn, error, critical or off)",
                    "infergate.yaml:6:19: server.listen: expected host:port like \"0.0.0.0:8080\", "
                    "got \"nowhere\"",
                    "infergate.yaml:6:44: server.max_body_bytes: must be greater than 0",
                    "infergate.yaml:6:61: server.idle_timeout: must be greater than 0"));
}

TEST(ConfigLoader, RejectsAnEmptyFile) {
    EXPECT_THAT(load("").errors,
                ElementsAre("infergate.yaml:1:1: the document is empty: expected a mapping with "
                            "backends and models"));
    EXPECT_THAT(load("# nothing here\n\n").errors,
                ElementsAre("infergate.yaml:1:1: the document is empty: expected a mapping with "
                            "backends and models"));
    EXPECT_THAT(load("---\n").errors,
                ElementsAre("infergate.yaml:1:1: the document is empty: expected a mapping with "
                            "backends and models"));
}

TEST(ConfigLoader, RejectsATopLevelScalarOrSequence) {
    EXPECT_THAT(load("# config\nhello\n").errors,
                ElementsAre("infergate.yaml:2:1: expected a mapping at the top level, "
                            "got a scalar"));
    EXPECT_THAT(load("- backends\n- models\n").errors,
                ElementsAre("infergate.yaml:1:1: expected a mapping at the top level, "
                            "got a sequence"));
}

TEST(ConfigLoader, RejectsSeveralDocumentsInOneFile) {
    EXPECT_THAT(load(with_routes("") + "---\nserver: {}\n").errors,
                ElementsAre("infergate.yaml:6:1: expected one YAML document, found 2"));
}

TEST(ConfigLoader, AStrayCommaIsASyntaxErrorNotAnEndlessLoop) {
    // Found by fuzzing: yaml-cpp 0.7's LoadAll allocates empty documents forever on these.
    EXPECT_THAT(load(",").errors,
                ElementsAre("infergate.yaml:1:1: invalid YAML: unexpected character"));
    EXPECT_THAT(load("!tr ,~\n").errors,
                ElementsAre("infergate.yaml:1:5: invalid YAML: unexpected character"));
    EXPECT_THAT(load(with_routes("") + "---\n,").errors,
                ElementsAre("infergate.yaml:6:1: invalid YAML: unexpected character"));
}

TEST(ConfigLoader, ReportsYamlSyntaxErrorsAtTheirPosition) {
    // Positions are yaml-cpp's: where it noticed the problem.
    EXPECT_THAT(load("backends: [1, 2\nmodels: {}\n").errors,
                ElementsAre("infergate.yaml:2:7: invalid YAML: end of sequence flow not found"));
    EXPECT_THAT(load("backends:\n  b: { url: x\nmodels: {}\n").errors,
                ElementsAre("infergate.yaml:3:7: invalid YAML: end of map flow not found"));
    EXPECT_THAT(load("a: \"bad \\q escape\"\n").errors,
                ElementsAre("infergate.yaml:1:11: invalid YAML: unknown escape character: q"));
}

TEST(ConfigLoader, NamesTabIndentationAsTheCause) {
    EXPECT_THAT(load("server:\n\tlisten: \"0.0.0.0:8080\"\n").errors,
                ElementsAre("infergate.yaml:2:1: invalid YAML: tab character in indentation "
                            "(indent with spaces)"));
    EXPECT_THAT(load("server:\n  workers: 1\n  \tlisten: x\n").errors,
                ElementsAre("infergate.yaml:3:3: invalid YAML: tab character in indentation "
                            "(indent with spaces)"));
}

TEST(ConfigLoader, RejectsBinaryGarbage) {
    const std::string garbage{"\x7F\x45\x4C\x46\x02\x01\x01\x00\x00\x00", 10};  // an ELF header
    EXPECT_THAT(load(garbage).errors,
                ElementsAre("infergate.yaml:1:1: not a UTF-8 text file: unexpected byte 0x7F"));
    EXPECT_THAT(load("server:\n  listen: \"\xC3\x28\"\n").errors,
                ElementsAre("infergate.yaml:2:12: not a UTF-8 text file: unexpected byte 0xC3"));
    EXPECT_THAT(load(std::string{"a: 1\nb: x\0y\n", 12}).errors,
                ElementsAre("infergate.yaml:2:5: not a UTF-8 text file: unexpected byte 0x00"));
}

TEST(ConfigLoader, RejectsDeeplyNestedInput) {
    const std::string deep = "models: " + std::string(10000, '[');
    EXPECT_THAT(load(deep).errors, ElementsAre(::testing::StartsWith("infergate.yaml:1:")));
    EXPECT_THAT(load(deep).errors,
                ElementsAre(::testing::EndsWith(": invalid YAML: nesting is too deep")));
}

TEST(ConfigLoader, RejectsNonStringKeys) {
    const LoadResult result = load(with_routes("server:\n  ? [a, b]\n  : 1\n"));
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:5: server: keys must be strings, got a sequence"));
}

TEST(ConfigLoader, KeepsEachMessageOnOneLine) {
    const LoadResult result = load(with_routes("server:\n  \"bad\\nkey\": 1\n"));
    EXPECT_THAT(result.errors, ElementsAre("infergate.yaml:2:3: server.bad\\x0Akey: unknown key"));
}

}  // namespace
}  // namespace infergate::config
