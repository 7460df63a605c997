// The HTTPS listener (server.tls): real sockets, real OpenSSL, certificates generated per test
// in a temporary directory. Requests and streams over TLS beside plain HTTP, protocol versions,
// the handshake deadline, client certificates (mTLS) as callers, configs refused at load, and
// certificate rotation by reload on the real binary.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "infergate/config/loader.hpp"
#include "infergate/stages/auth/api_key.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/process.hpp"
#include "support/tls_client.hpp"
#include "tls_cert.hpp"

namespace infergate::testing {
namespace {

using namespace std::chrono_literals;

const std::string kAppKey = "sk-ig-app1-tls-listener-test-key";

class TlsListenerTest : public ::testing::Test {
protected:
    void SetUp() override {
        mock_ = recording_mock();
        dir_ = std::filesystem::temp_directory_path() / fmt::format("infergate-tls-{}", std::random_device{}());
        std::filesystem::create_directories(dir_);
        ca_ = llm_mock::generate_self_signed("infergate-test-ca");
        write("ca.pem", ca_.cert_pem);
        use_server_certificate(llm_mock::generate_signed({.common_name = "localhost", .dns_names = {"localhost"}}, ca_));
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    std::string write(const std::string& name, const std::string& text) const {
        const auto path = dir_ / name;
        std::ofstream(dir_ / (name + ".next")) << text;
        std::filesystem::rename(dir_ / (name + ".next"), path);  // as a deployment replaces files
        return path.string();
    }
    void use_server_certificate(const llm_mock::CertificatePair& pair) {
        server_ = pair;
        write("server.pem", pair.cert_pem);
        write("server.key", pair.key_pem);
    }
    // server: lines for an HTTPS listener on a free port, plus `extra` (4-space indented keys).
    std::string tls_server(const std::string& extra = "") const {
        return fmt::format("  tls:\n    listen: \"127.0.0.1:0\"\n    cert_file: \"{}\"\n    key_file: \"{}\"\n{}",
                           (dir_ / "server.pem").string(), (dir_ / "server.key").string(), extra);
    }
    std::string config(const std::string& server, const std::string& tail = "") const {
        return demo_config("http://127.0.0.1:" + std::to_string(mock_->port()), "", server) + tail;
    }
    std::string mtls_server(const std::string& mode) const {
        return tls_server(fmt::format("    client_ca_file: \"{}\"\n    client_auth: {}\n", (dir_ / "ca.pem").string(), mode));
    }
    // auth: an API key (app1, any model) and a certificate identity (billing, model same-name only).
    std::string mtls_auth() const {
        return fmt::format(R"(auth:
  keys:
    - {{ id: app1, sha256: "{}" }}
  client_certificates:
    - {{ common_name: billing-svc, id: billing, models: [same-name] }}
    - {{ uri: "spiffe://example.org/reports", id: reports, models: [demo] }}
)",
                           auth::to_hex(auth::sha256_of(kAppKey)));
    }
    TlsClientOptions trusting() const { return {.ca_pem = ca_.cert_pem}; }
    TlsClientOptions with_client(const llm_mock::CertificatePair& client) const {
        return {.ca_pem = ca_.cert_pem, .cert_pem = client.cert_pem, .key_pem = client.key_pem};
    }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::filesystem::path dir_;
    llm_mock::CertificatePair ca_, server_;
};

std::string chat(const std::string& model, bool stream = false) {
    return fmt::format(R"({{"model":"{}","stream":{},"messages":[{{"role":"user","content":"hi"}}]}})", model,
                       stream ? "true" : "false");
}

bool metric_at_least(TestGateway& gateway, const std::string& series, int value) {
    return eventually([&] {
        const std::string text = get(gateway.port(), "/metrics").body;
        const auto at = text.find(series + " ");
        return at != std::string::npos && std::stod(text.substr(at + series.size() + 1)) >= value;
    });
}

TEST_F(TlsListenerTest, ProxiesRequestsAndStreamsOverHttpsBesidePlainHttp) {
    TestGateway gateway(config(tls_server()));
    ASSERT_NE(gateway.gateway().tls_port(), 0);
    TlsClient client(gateway.gateway().tls_port(), trusting());
    ASSERT_TRUE(client.connected()) << client.handshake_error().message();
    EXPECT_EQ(client.alpn(), "http/1.1");

    const HttpResult answer = client.request(http::verb::post, "/v1/chat/completions", kDemoChat);
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_NE(answer.body.find("chat.completion"), std::string::npos);
    // The same connection again (keep-alive), streamed: every event, then [DONE].
    const HttpResult stream = client.request(http::verb::post, "/v1/chat/completions", kDemoStreamChat);
    EXPECT_EQ(stream.status, 200);
    EXPECT_TRUE(stream.complete);
    EXPECT_EQ(stream.header("content-type"), "text/event-stream");
    const auto events = sse_data(stream.body);
    ASSERT_GT(events.size(), 2u);
    EXPECT_EQ(events.back(), "[DONE]");

    EXPECT_EQ(post_json(gateway.port(), "/v1/chat/completions", kDemoChat).status, 200);  // plain port
    const std::string metrics = get(gateway.port(), "/metrics").body;
    EXPECT_NE(metrics.find("infergate_tls_handshakes_total{version=\"TLSv1.3\"} 1"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("infergate_tls_certificate_expiry_seconds "), std::string::npos);
}

// A TLS client hangs up with close_notify then FIN; the close_notify arrives as bytes (an
// encrypted record in TLS 1.3), which a peek cannot tell from data: the FIN behind it must
// still cancel the upstream exchange.
TEST_F(TlsListenerTest, ClientLeavingWithCloseNotifyCancelsTheUpstream) {
    TestGateway gateway(config(tls_server()));
    TlsClient client(gateway.gateway().tls_port(), trusting());
    ASSERT_TRUE(client.connected());
    // One exchange first: it reads the session tickets, so nothing is left unread and the
    // close is a FIN, not a reset.
    ASSERT_EQ(client.request(http::verb::get, "/v1/models").status, 200);
    client.send(http::verb::post, "/v1/chat/completions", kDemoChat, {{"x-mock-ttft-ms", "5000"}});
    ASSERT_TRUE(eventually([&] { return mock_->requests().size() == 1; }));
    client.leave();
    EXPECT_TRUE(eventually([&] { return mock_->aborted_responses() == 1; }, 1s));
}

TEST_F(TlsListenerTest, AcceptsTls12And13AndRefusesOlderVersions) {
    TestGateway gateway(config(tls_server()));
    const auto port = gateway.gateway().tls_port();
    TlsClient tls12(port, {.ca_pem = ca_.cert_pem, .min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION});
    ASSERT_TRUE(tls12.connected()) << tls12.handshake_error().message();
    EXPECT_EQ(tls12.protocol(), "TLSv1.2");
    EXPECT_EQ(tls12.request(http::verb::get, "/v1/models").status, 200);
    TlsClient tls13(port, {.ca_pem = ca_.cert_pem, .min_version = TLS1_3_VERSION});
    ASSERT_TRUE(tls13.connected());
    EXPECT_EQ(tls13.protocol(), "TLSv1.3");
    EXPECT_EQ(tls13.request(http::verb::get, "/v1/models").status, 200);

    TlsClient tls11(port, {.ca_pem = ca_.cert_pem, .min_version = TLS1_VERSION, .max_version = TLS1_1_VERSION});
    EXPECT_FALSE(tls11.connected());
    EXPECT_TRUE(metric_at_least(gateway, R"(infergate_tls_handshake_failures_total{reason="protocol_version"})", 1));
}

TEST_F(TlsListenerTest, MinVersion13RefusesTls12) {
    TestGateway gateway(config(tls_server("    min_version: \"1.3\"\n")));
    TlsClient tls12(gateway.gateway().tls_port(),
                    {.ca_pem = ca_.cert_pem, .min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION});
    EXPECT_FALSE(tls12.connected());
    TlsClient tls13(gateway.gateway().tls_port(), trusting());
    EXPECT_TRUE(tls13.connected());
}

TEST_F(TlsListenerTest, SilentConnectionIsClosedAtTheHandshakeDeadline) {
    TestGateway gateway(config("  header_timeout: 300ms\n" + tls_server()));
    const auto started = std::chrono::steady_clock::now();
    const RawReply reply = raw_send(gateway.gateway().tls_port(), {}, 3s);  // connects, sends nothing
    EXPECT_TRUE(reply.closed);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_TRUE(metric_at_least(gateway, R"(infergate_tls_handshake_failures_total{reason="timeout"})", 1));
}

TEST_F(TlsListenerTest, PlainHttpOnTheHttpsPortIsRefused) {
    TestGateway gateway(config(tls_server()));
    const RawReply reply = raw_send(gateway.gateway().tls_port(), {"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"}, 3s);
    EXPECT_TRUE(reply.closed);
    EXPECT_EQ(reply.bytes.find("HTTP/1.1 200"), std::string::npos);
    EXPECT_TRUE(metric_at_least(gateway, R"(infergate_tls_handshake_failures_total{reason="not_tls"})", 1));
}

TEST_F(TlsListenerTest, HttpsOnlyWithListenNone) {
    std::string yaml = config(tls_server());
    yaml.replace(yaml.find("listen: \"127.0.0.1:0\""), 21, "listen: none");
    TestGateway gateway(yaml);
    EXPECT_EQ(gateway.port(), 0);
    TlsClient client(gateway.gateway().tls_port(), trusting());
    EXPECT_EQ(client.request(http::verb::post, "/v1/chat/completions", kDemoChat).status, 200);
}

// A request on a connection the server refused (TLS 1.3 refuses a client certificate after
// the client's handshake is done): no answer.
bool refused(TlsClient& client) {
    return !client.connected() || client.request(http::verb::get, "/v1/models").status == 0;
}

TEST_F(TlsListenerTest, RequiredClientCertificateIdentifiesTheCaller) {
    TestGateway gateway(config(mtls_server("require"), mtls_auth()));
    const auto port = gateway.gateway().tls_port();

    TlsClient anonymous(port, trusting());
    EXPECT_TRUE(refused(anonymous));
    EXPECT_TRUE(metric_at_least(gateway, R"(infergate_tls_handshake_failures_total{reason="no_client_certificate"})", 1));

    const auto other_ca = llm_mock::generate_self_signed("another-ca");
    TlsClient stranger(port, with_client(llm_mock::generate_signed({.common_name = "billing-svc"}, other_ca)));
    EXPECT_TRUE(refused(stranger));
    EXPECT_TRUE(metric_at_least(gateway, R"(infergate_tls_handshake_failures_total{reason="bad_client_certificate"})", 1));

    TlsClient billing(port, with_client(llm_mock::generate_signed({.common_name = "billing-svc"}, ca_)));
    ASSERT_TRUE(billing.connected());
    // billing may use same-name only: its identity's model list applies, no API key needed.
    EXPECT_EQ(billing.request(http::verb::post, "/v1/chat/completions", chat("same-name")).status, 200);
    const HttpResult other_model = billing.request(http::verb::post, "/v1/chat/completions", chat("demo"));
    EXPECT_EQ(other_model.status, 404) << other_model.body;
    const HttpResult usage = billing.request(http::verb::get, "/v1/usage");
    EXPECT_NE(usage.body.find(R"("key_id":"billing")"), std::string::npos) << usage.body;
    EXPECT_TRUE(metric_at_least(gateway, R"(infergate_key_requests_total{key="billing",tenant=""})", 2));

    // A SAN URI names an identity too.
    TlsClient reports(port, with_client(llm_mock::generate_signed(
                                {.common_name = "unmapped", .uris = {"spiffe://example.org/reports"}}, ca_)));
    EXPECT_EQ(reports.request(http::verb::post, "/v1/chat/completions", chat("demo")).status, 200);
    EXPECT_NE(reports.request(http::verb::get, "/v1/usage").body.find(R"("key_id":"reports")"), std::string::npos);
}

TEST_F(TlsListenerTest, OptionalClientCertificateFallsBackToApiKeys) {
    TestGateway gateway(config(mtls_server("optional"), mtls_auth()));
    const auto port = gateway.gateway().tls_port();
    const Headers key{{"authorization", "Bearer " + kAppKey}};

    TlsClient without(port, trusting());
    ASSERT_TRUE(without.connected());
    EXPECT_EQ(without.request(http::verb::post, "/v1/chat/completions", chat("demo"), key).status, 200);
    EXPECT_EQ(without.request(http::verb::post, "/v1/chat/completions", chat("demo")).status, 401);

    TlsClient billing(port, with_client(llm_mock::generate_signed({.common_name = "billing-svc"}, ca_)));
    EXPECT_EQ(billing.request(http::verb::post, "/v1/chat/completions", chat("same-name")).status, 200);
    // A verified certificate that names no identity: the API key decides.
    TlsClient unmapped(port, with_client(llm_mock::generate_signed({.common_name = "somebody"}, ca_)));
    EXPECT_EQ(unmapped.request(http::verb::post, "/v1/chat/completions", chat("demo"), key).status, 200);
    const HttpResult refused_answer = unmapped.request(http::verb::post, "/v1/chat/completions", chat("demo"));
    EXPECT_EQ(refused_answer.status, 401);
    EXPECT_NE(refused_answer.body.find("client certificate maps to no identity"), std::string::npos);
    // A certificate from another CA is refused even when optional.
    const auto other_ca = llm_mock::generate_self_signed("another-ca");
    TlsClient stranger(port, with_client(llm_mock::generate_signed({.common_name = "billing-svc"}, other_ca)));
    EXPECT_TRUE(refused(stranger));
}

// The config without the backend key demo_config takes from the test's environment.
std::string without_backend_key(std::string yaml) {
    const std::string line = "    api_key: \"${TEST_BACKEND_KEY}\"\n";
    yaml.erase(yaml.find(line), line.size());
    return yaml;
}

// Every config error names file:line:col and the key.
std::string load_errors(const std::string& yaml) {
    const config::LoadResult loaded = config::load_from_string(without_backend_key(yaml), "test.yaml");
    std::string all;
    for (const std::string& error : loaded.errors) all += error + "\n";
    return all;
}

TEST_F(TlsListenerTest, BadCertificateFilesAreRefusedAtLoad) {
    EXPECT_EQ(load_errors(config(tls_server())), "");

    const auto other = llm_mock::generate_signed({.common_name = "localhost"}, ca_);
    write("other.key", other.key_pem);
    std::string yaml = config(tls_server());
    yaml.replace(yaml.find("server.key"), 10, "other.key");
    EXPECT_THAT(load_errors(yaml), ::testing::MatchesRegex(
                                       "test.yaml:[0-9]+:[0-9]+: server.tls.key_file: the private key in .* does not "
                                       "belong to the certificate in .*\n"));

    write("garbage.pem", "not a certificate\n");
    yaml = config(tls_server());
    yaml.replace(yaml.find("server.pem"), 10, "garbage.pem");
    EXPECT_THAT(load_errors(yaml), ::testing::MatchesRegex(
                                       "test.yaml:[0-9]+:[0-9]+: server.tls.cert_file: cannot load a PEM certificate "
                                       "chain from .*\n"));

    yaml = config(tls_server());
    yaml.replace(yaml.find("server.pem"), 10, "missing.pem");
    EXPECT_THAT(load_errors(yaml), ::testing::HasSubstr("server.tls.cert_file: cannot read file"));

    EXPECT_THAT(load_errors(config(tls_server(fmt::format("    client_ca_file: \"{}\"\n    client_auth: require\n",
                                                          (dir_ / "garbage.pem").string())))),
                ::testing::MatchesRegex("test.yaml:[0-9]+:[0-9]+: server.tls.client_ca_file: cannot load PEM CA .*\n"));
    EXPECT_THAT(load_errors(config(tls_server("    client_auth: require\n"))),
                ::testing::HasSubstr("server.tls.client_auth: needs client_ca_file"));
    EXPECT_THAT(load_errors(config(tls_server(), mtls_auth())),
                ::testing::HasSubstr("auth.client_certificates: needs server.tls with client_auth"));
    std::string no_listener = config("");
    no_listener.replace(no_listener.find("listen: \"127.0.0.1:0\""), 21, "listen: none");
    EXPECT_THAT(load_errors(no_listener), ::testing::HasSubstr("server.listen: none leaves no listener"));
}

// On the real binary: SIGHUP re-reads the certificate files. New connections get the new
// certificate; a connection opened before keeps working; a broken pair is refused.
TEST_F(TlsListenerTest, RotatedCertificateIsServedAfterReload) {
    std::string file = without_backend_key(config(tls_server()));
    file.replace(file.find("level: warn"), 11, "level: info");
    write("gateway.yaml", file);
    const pid_t pid = spawn({INFERGATE_BINARY, "--config", (dir_ / "gateway.yaml").string()}, dir_ / "gateway.out", dir_);
    struct Stop {
        pid_t pid;
        ~Stop() {
            ::kill(pid, SIGKILL);
            wait_for_exit(pid, 5s);
        }
    } stop{pid};
    const auto ports = wait_for_output(dir_ / "gateway.out",
                                       R"(listening on http://127\.0\.0\.1:(\d+) and https://127\.0\.0\.1:(\d+))", 10s);
    ASSERT_EQ(ports.size(), 2u) << read_text(dir_ / "gateway.out");
    const auto port = static_cast<std::uint16_t>(std::stoi(ports[0]));
    const auto tls_port = static_cast<std::uint16_t>(std::stoi(ports[1]));
    auto reloads = [&](const std::string& result) {
        const std::string text = get(port, "/metrics").body;
        const std::string series = "infergate_config_reload_total{result=\"" + result + "\"} ";
        const auto at = text.find(series);
        return at == std::string::npos ? -1 : std::stoi(text.substr(at + series.size()));
    };

    TlsClient before(tls_port, trusting());
    ASSERT_TRUE(before.connected());
    const std::string first_serial = before.server_serial();
    EXPECT_EQ(before.request(http::verb::post, "/v1/chat/completions", kDemoChat).status, 200);

    use_server_certificate(llm_mock::generate_signed({.common_name = "localhost", .dns_names = {"localhost"}}, ca_));
    ::kill(pid, SIGHUP);
    ASSERT_TRUE(eventually([&] { return reloads("success") == 1; }, 5s)) << read_text(dir_ / "gateway.out");
    TlsClient after(tls_port, trusting());
    ASSERT_TRUE(after.connected());
    EXPECT_NE(after.server_serial(), first_serial);
    EXPECT_EQ(after.request(http::verb::post, "/v1/chat/completions", kDemoChat).status, 200);
    EXPECT_EQ(before.request(http::verb::post, "/v1/chat/completions", kDemoStreamChat).status, 200);
    EXPECT_EQ(before.server_serial(), first_serial);

    // A key that does not match the certificate: the reload is refused, the last pair serves.
    const std::string second_serial = after.server_serial();
    write("server.key", llm_mock::generate_signed({.common_name = "localhost"}, ca_).key_pem);
    ::kill(pid, SIGHUP);
    ASSERT_TRUE(eventually([&] { return reloads("failure") == 1; }, 5s));
    EXPECT_NE(read_text(dir_ / "gateway.out").find("server.tls.key_file: the private key"), std::string::npos);
    TlsClient still(tls_port, trusting());
    ASSERT_TRUE(still.connected());
    EXPECT_EQ(still.server_serial(), second_serial);
}

}  // namespace
}  // namespace infergate::testing
