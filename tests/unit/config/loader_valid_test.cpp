// A correct config maps onto the structs exactly, with defaults where keys are left out.
#include <gtest/gtest.h>

#include <chrono>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using namespace std::chrono_literals;
using testing::load;
using testing::with_routes;

constexpr std::string_view full_config = R"(server:
  listen: "0.0.0.0:8080"
  workers: 4
  max_header_bytes: 16KiB
  max_body_bytes: 10MiB
  header_timeout: 10s
  body_timeout: 30s
  idle_timeout: 60s
  write_timeout: 1m30s
  max_connections: 5000
  reserved_connections: 0
  watch_config: false
log:
  level: debug
  access_log: { format: text, path: /var/log/infergate/access.log }
backends:
  openai:
    url: "https://api.openai.com"
    provider: openai
    api_key: "${OPENAI_API_KEY}"
    timeouts: { connect: 2s, first_byte: 60s, idle: 30s, total: 10m }
    pool: { max_connections: 512, idle_timeout: 90s, acquire_timeout: 500ms }
    tls: { ca_file: "${CA_FILE}", insecure_skip_verify: false }
    max_response_bytes: 64MiB
    max_event_bytes: 1MiB
  local-vllm: { url: "http://vllm.internal:8000", provider: openai }
models:
  gpt-4o-mini:
    targets: [ { backend: openai, model: gpt-4o-mini-2024-07-18 } ]
  llama:
    targets:
      - backend: local-vllm
      - backend: openai
        model: gpt-4o
)";

LoadResult load_full() {
    return load(full_config, {{"OPENAI_API_KEY", "sk-test-123"},
                              {"CA_FILE", INFERGATE_TEST_DATA_DIR "/config/ca.pem"}});
}

TEST(ConfigLoader, MapsAFullConfigOntoTheStructs) {
    const LoadResult result = load_full();
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    const Config& config = *result.config;

    EXPECT_EQ(config.source, "infergate.yaml");
    EXPECT_EQ(config.server.listen_host, "0.0.0.0");
    EXPECT_EQ(config.server.listen_port, 8080);
    EXPECT_EQ(config.server.workers, 4u);
    EXPECT_EQ(config.server.max_header_bytes, 16u * 1024);
    EXPECT_EQ(config.server.max_body_bytes, 10u * 1024 * 1024);
    EXPECT_EQ(config.server.header_timeout, 10s);
    EXPECT_EQ(config.server.body_timeout, 30s);
    EXPECT_EQ(config.server.idle_timeout, 60s);
    EXPECT_EQ(config.server.write_timeout, 90s);
    EXPECT_EQ(config.server.max_connections, 5000u);
    EXPECT_EQ(config.server.reserved_connections, 0u);
    EXPECT_FALSE(config.server.watch_config);

    EXPECT_EQ(config.log.level, "debug");
    EXPECT_EQ(config.log.access_format, LogFormat::text);
    EXPECT_EQ(config.log.access_path, "/var/log/infergate/access.log");
}

TEST(ConfigLoader, MapsEveryBackendSetting) {
    const LoadResult result = load_full();
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    const Backend& openai = result.config->backends.at("openai");

    EXPECT_EQ(openai.name, "openai");
    EXPECT_EQ(openai.url, "https://api.openai.com");
    EXPECT_EQ(openai.provider, Provider::openai);
    EXPECT_EQ(openai.api_key.reveal(), "sk-test-123");
    EXPECT_TRUE(openai.tls);
    EXPECT_EQ(openai.host, "api.openai.com");
    EXPECT_EQ(openai.port, 443);
    EXPECT_EQ(openai.base_path, "");
    EXPECT_EQ(openai.timeouts.connect, 2s);
    EXPECT_EQ(openai.timeouts.first_byte, 60s);
    EXPECT_EQ(openai.timeouts.idle, 30s);
    EXPECT_EQ(openai.timeouts.total, 10min);
    EXPECT_EQ(openai.pool.max_connections, 512u);
    EXPECT_EQ(openai.pool.idle_timeout, 90s);
    EXPECT_EQ(openai.pool.acquire_timeout, 500ms);
    EXPECT_EQ(openai.tls_settings.ca_file, INFERGATE_TEST_DATA_DIR "/config/ca.pem");
    EXPECT_FALSE(openai.tls_settings.insecure_skip_verify);
    EXPECT_EQ(openai.max_response_bytes, 64u * 1024 * 1024);
    EXPECT_EQ(openai.max_event_bytes, 1024u * 1024);
}

TEST(ConfigLoader, AppliesDefaultsToABackendWithOnlyAUrl) {
    const LoadResult result = load_full();
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    const Backend& vllm = result.config->backends.at("local-vllm");
    const Backend defaults;

    EXPECT_EQ(vllm.name, "local-vllm");
    EXPECT_FALSE(vllm.tls);
    EXPECT_EQ(vllm.host, "vllm.internal");
    EXPECT_EQ(vllm.port, 8000);
    EXPECT_TRUE(vllm.api_key.empty());
    EXPECT_EQ(vllm.timeouts.connect, defaults.timeouts.connect);
    EXPECT_EQ(vllm.timeouts.total, defaults.timeouts.total);
    EXPECT_EQ(vllm.pool.max_connections, defaults.pool.max_connections);
    EXPECT_EQ(vllm.tls_settings.ca_file, "");
    EXPECT_EQ(vllm.max_response_bytes, defaults.max_response_bytes);
    EXPECT_EQ(vllm.max_event_bytes, defaults.max_event_bytes);
}

TEST(ConfigLoader, MapsModelsAndLeavesAnOmittedTargetModelEmpty) {
    const LoadResult result = load_full();
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    const auto& models = result.config->models;
    ASSERT_EQ(models.size(), 2u);

    const Model& mini = models.at("gpt-4o-mini");
    EXPECT_EQ(mini.name, "gpt-4o-mini");
    ASSERT_EQ(mini.targets.size(), 1u);
    EXPECT_EQ(mini.targets[0].backend, "openai");
    EXPECT_EQ(mini.targets[0].model, "gpt-4o-mini-2024-07-18");

    const Model& llama = models.at("llama");
    ASSERT_EQ(llama.targets.size(), 2u);
    EXPECT_EQ(llama.targets[0].backend, "local-vllm");
    EXPECT_EQ(llama.targets[0].model, "");  // the public name is sent upstream
    EXPECT_EQ(llama.targets[1].backend, "openai");
    EXPECT_EQ(llama.targets[1].model, "gpt-4o");
}

TEST(ConfigLoader, AppliesDefaultsWhenServerAndLogAreLeftOut) {
    const LoadResult result = load(testing::minimal_routes);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    const ServerSettings defaults;
    const ServerSettings& server = result.config->server;
    EXPECT_EQ(server.listen_host, "0.0.0.0");
    EXPECT_EQ(server.listen_port, 8080);
    EXPECT_EQ(server.workers, 0u);
    EXPECT_EQ(server.max_header_bytes, defaults.max_header_bytes);
    EXPECT_EQ(server.max_body_bytes, defaults.max_body_bytes);
    EXPECT_EQ(server.header_timeout, defaults.header_timeout);
    EXPECT_EQ(server.write_timeout, defaults.write_timeout);
    EXPECT_TRUE(server.watch_config);
    EXPECT_EQ(server.max_connections, defaults.max_connections);
    EXPECT_EQ(server.reserved_connections, defaults.reserved_connections);
    EXPECT_EQ(result.config->log.level, "info");
    EXPECT_EQ(result.config->log.access_format, LogFormat::json);
    EXPECT_EQ(result.config->log.access_path, "");
}

TEST(ConfigLoader, TreatsEmptySectionsAsAllDefaults) {
    const LoadResult result = load(with_routes("server:\nlog:\n  access_log:\n"));
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_EQ(result.config->server.listen_port, 8080);
}

TEST(ConfigLoader, KeepsStdoutAsTheAccessLogPath) {
    const LoadResult result = load(with_routes("log: { access_log: { path: stdout } }\n"));
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_EQ(result.config->log.access_path, "stdout");
}

TEST(ConfigLoader, ParsesIpv4AndIpv6ListenAddressesAndPortZero) {
    const LoadResult v6 = load(with_routes("server: { listen: \"[::1]:8080\" }\n"));
    ASSERT_TRUE(v6.ok()) << ::testing::PrintToString(v6.errors);
    EXPECT_EQ(v6.config->server.listen_host, "::1");  // brackets dropped: ready to parse
    EXPECT_EQ(v6.config->server.listen_port, 8080);

    const LoadResult any_port = load(with_routes("server: { listen: \"127.0.0.1:0\" }\n"));
    ASSERT_TRUE(any_port.ok()) << ::testing::PrintToString(any_port.errors);
    EXPECT_EQ(any_port.config->server.listen_host, "127.0.0.1");
    EXPECT_EQ(any_port.config->server.listen_port, 0);

    const LoadResult all_v6 = load(with_routes("server: { listen: \"[::]:80\" }\n"));
    ASSERT_TRUE(all_v6.ok()) << ::testing::PrintToString(all_v6.errors);
    EXPECT_EQ(all_v6.config->server.listen_host, "::");
}

struct UrlCase {
    std::string url;
    bool tls;
    std::string host;
    std::uint16_t port;
    std::string base_path;
};

class BackendUrl : public ::testing::TestWithParam<UrlCase> {};

TEST_P(BackendUrl, SplitsIntoSchemeHostPortAndBasePath) {
    const UrlCase& expected = GetParam();
    const LoadResult result = load("backends:\n  b: { url: \"" + expected.url +
                                   "\" }\nmodels:\n  m: { targets: [ { backend: b } ] }\n");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    const Backend& backend = result.config->backends.at("b");
    EXPECT_EQ(backend.url, expected.url);
    EXPECT_EQ(backend.tls, expected.tls);
    EXPECT_EQ(backend.host, expected.host);
    EXPECT_EQ(backend.port, expected.port);
    EXPECT_EQ(backend.base_path, expected.base_path);
}

INSTANTIATE_TEST_SUITE_P(
    ConfigLoader, BackendUrl,
    ::testing::Values(UrlCase{"http://vllm.internal", false, "vllm.internal", 80, ""},
                      UrlCase{"https://api.openai.com", true, "api.openai.com", 443, ""},
                      UrlCase{"https://api.openai.com/", true, "api.openai.com", 443, ""},
                      UrlCase{"http://127.0.0.1:8090", false, "127.0.0.1", 8090, ""},
                      UrlCase{"https://x.example:8443/openai/", true, "x.example", 8443, "/openai"},
                      UrlCase{"http://h/a/b//", false, "h", 80, "/a/b"},
                      UrlCase{"HTTPS://h.example", true, "h.example", 443, ""},
                      UrlCase{"http://[::1]:8000", false, "::1", 8000, ""},
                      UrlCase{"https://[fe80::1]/p", true, "fe80::1", 443, "/p"},
                      UrlCase{"http://h/v1beta", false, "h", 80, "/v1beta"}));

TEST(ConfigLoader, AcceptsAnEmptyApiKeyAsNoCredential) {
    const LoadResult result = load(R"(backends:
  b: { url: "http://h", api_key: "" }
models:
  m: { targets: [ { backend: b } ] }
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_TRUE(result.config->backends.at("b").api_key.empty());
}

TEST(ConfigLoader, AcceptsModelNamesWithSlashesAndDots) {
    const LoadResult result = load(R"(backends:
  b: { url: "http://h" }
models:
  meta-llama/Llama-3.1-8B-Instruct: { targets: [ { backend: b } ] }
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_TRUE(result.config->models.contains("meta-llama/Llama-3.1-8B-Instruct"));
}

TEST(ConfigLoader, ResolvesYamlAliases) {
    const LoadResult result = load(R"(backends:
  a: { url: "http://a", timeouts: &fast { connect: 1s, total: 20s } }
  b: { url: "http://b", timeouts: *fast }
models:
  m: { targets: [ { backend: a }, { backend: b } ] }
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_EQ(result.config->backends.at("b").timeouts.total, 20s);
}

TEST(ConfigLoader, AcceptsAUtf8ByteOrderMarkAndCrlfLineEnds) {
    const LoadResult result = load(
        "\xEF\xBB\xBF"
        "backends:\r\n  b: { url: \"http://h\" }\r\nmodels:\r\n  m: { targets: [ { backend: b } ] "
        "}\r\n");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_EQ(result.config->backends.at("b").url, "http://h");
}

}  // namespace
}  // namespace infergate::config
