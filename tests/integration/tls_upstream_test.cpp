// HTTPS upstreams: verified against a CA file, refused when the certificate is not trusted,
// accepted unverified only when the operator says so.
#include <fstream>

#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/test_gateway.hpp"
#include "tls_cert.hpp"

namespace infergate::testing {
namespace {

const std::string kChat = R"({"model":"demo","messages":[{"role":"user","content":"hi"}]})";

class TlsUpstreamTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto pair = llm_mock::generate_self_signed("localhost");
        llm_mock::Options options;
        options.tls_cert_pem = pair.cert_pem;
        options.tls_key_pem = pair.key_pem;
        mock_ = std::make_unique<llm_mock::MockServer>(options);
        mock_->start();
        ca_file_ = std::filesystem::temp_directory_path() /
                   ("infergate-ca-" + std::to_string(mock_->port()) + ".pem");
        std::ofstream(ca_file_) << pair.cert_pem;
        url_ = "https://localhost:" + std::to_string(mock_->port());
    }
    void TearDown() override { std::filesystem::remove(ca_file_); }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::filesystem::path ca_file_;
    std::string url_;
};

TEST_F(TlsUpstreamTest, TrustedCertificateServes) {
    TestGateway gateway(demo_config(url_, "    tls: { ca_file: \"" + ca_file_.string() + "\" }"));
    const HttpResult result = post_json(gateway.port(), "/v1/chat/completions", kChat);
    EXPECT_EQ(result.status, 200) << result.body;
    const HttpResult stream = post_json(
        gateway.port(), "/v1/chat/completions",
        R"({"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(sse_data(stream.body).back(), "[DONE]");
}

TEST_F(TlsUpstreamTest, UntrustedCertificateIsRefused) {
    TestGateway gateway(demo_config(url_));  // system CA store: does not know our test CA
    const HttpResult result = post_json(gateway.port(), "/v1/chat/completions", kChat);
    EXPECT_EQ(result.status, 502);
    EXPECT_NE(get(gateway.port(), "/metrics").body.find(R"(kind="tls"} 1)"), std::string::npos);
}

TEST(TlsUpstream, CertificateForAnotherNameIsRefused) {
    const auto pair = llm_mock::generate_self_signed("wrong.example");
    llm_mock::Options options;
    options.tls_cert_pem = pair.cert_pem;
    options.tls_key_pem = pair.key_pem;
    llm_mock::MockServer mock(options);
    mock.start();
    const auto ca_file = std::filesystem::temp_directory_path() /
                         ("infergate-wrong-" + std::to_string(mock.port()) + ".pem");
    std::ofstream(ca_file) << pair.cert_pem;
    TestGateway gateway(demo_config("https://localhost:" + std::to_string(mock.port()),
                                    "    tls: { ca_file: \"" + ca_file.string() + "\" }"));
    EXPECT_EQ(post_json(gateway.port(), "/v1/chat/completions", kChat).status, 502);
    std::filesystem::remove(ca_file);
}

TEST_F(TlsUpstreamTest, InsecureSkipVerifyAcceptsAnyCertificate) {
    TestGateway gateway(demo_config(url_, "    tls: { insecure_skip_verify: true }"));
    EXPECT_EQ(post_json(gateway.port(), "/v1/chat/completions", kChat).status, 200);
}

}  // namespace
}  // namespace infergate::testing
