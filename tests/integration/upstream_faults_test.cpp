// Each upstream failure gives its documented status and OpenAI-format body, and the gateway
// keeps serving afterwards.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;

const std::string kChat = R"({"model":"demo","messages":[{"role":"user","content":"hi"}]})";

class UpstreamFaultTest : public MockedGatewayTest {
protected:
    void SetUp() override {
        start("    timeouts: { connect: 1s, first_byte: 500ms, idle: 500ms, total: 5s }");
    }

    HttpResult chat_with(const std::string& header, const std::string& value) {
        return post_json(port(), "/v1/chat/completions", kChat, {{header, value}});
    }

    void expect_still_serving() {
        EXPECT_EQ(post_json(port(), "/v1/chat/completions", kChat).status, 200);
    }
};

std::string code_of(const HttpResult& result) {
    return json::parse(result.body)["error"]["code"].get<std::string>();
}

TEST_F(UpstreamFaultTest, ResetBeforeHeadersIs502UpstreamUnavailable) {
    const HttpResult result = chat_with("x-mock-fault", "reset-before-headers");
    EXPECT_EQ(result.status, 502);
    EXPECT_EQ(code_of(result), "upstream_unavailable");
    expect_still_serving();
}

TEST_F(UpstreamFaultTest, CloseBeforeHeadersIs502) {
    const HttpResult result = chat_with("x-mock-fault", "close-before-headers");
    EXPECT_EQ(result.status, 502);
    EXPECT_EQ(code_of(result), "upstream_unavailable");
    expect_still_serving();
}

TEST_F(UpstreamFaultTest, SlowFirstByteIs504UpstreamTimeout) {
    const auto started = std::chrono::steady_clock::now();
    const HttpResult result = chat_with("x-mock-ttft-ms", "3000");
    EXPECT_EQ(result.status, 504);
    EXPECT_EQ(code_of(result), "upstream_timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    // The timed-out exchange's socket is closed, not left for the backend to finish on (U4).
    EXPECT_TRUE(eventually([&] { return mock_->aborted_responses() == 1; }, std::chrono::seconds(1)));
    // The mock counts the abort a moment before its connection coroutine ends (seen under ASan).
    EXPECT_TRUE(eventually([&] { return mock_->open_connections() == 0u; }, std::chrono::seconds(1)))
        << mock_->open_connections() << " connections still open at the mock";
    expect_still_serving();
}

TEST_F(UpstreamFaultTest, HangingUpstreamIs504) {
    EXPECT_EQ(chat_with("x-mock-fault", "hang").status, 504);
    expect_still_serving();
}

TEST_F(UpstreamFaultTest, InvalidJsonOrHtmlWith200Is502InvalidResponse) {
    for (const char* fault : {"invalid-json", "html"}) {
        const HttpResult result = chat_with("x-mock-fault", fault);
        EXPECT_EQ(result.status, 502) << fault;
        EXPECT_EQ(code_of(result), "upstream_invalid_response") << fault;
    }
    expect_still_serving();
}

TEST_F(UpstreamFaultTest, ShortContentLengthIs502) {
    const HttpResult result = chat_with("x-mock-fault", "short-body");
    EXPECT_EQ(result.status, 502);
    expect_still_serving();
}

TEST_F(UpstreamFaultTest, UpstreamErrorStatusAndBodyPassThrough) {
    const HttpResult server_error = chat_with("x-mock-status", "500");
    EXPECT_EQ(server_error.status, 500);
    EXPECT_TRUE(json::parse(server_error.body).contains("error"));

    const HttpResult limited = chat_with("x-mock-status", "429");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.header("retry-after"), "1");
    expect_still_serving();
}

TEST_F(UpstreamFaultTest, FailuresAreCountedByKind) {
    chat_with("x-mock-fault", "reset-before-headers");
    chat_with("x-mock-ttft-ms", "3000");
    const std::string metrics = get(port(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(infergate_upstream_errors_total{backend="mock",kind="reset"} 1)"),
              std::string::npos) << metrics;
    EXPECT_NE(metrics.find(R"(infergate_upstream_errors_total{backend="mock",kind="first_byte_timeout"} 1)"),
              std::string::npos);
    EXPECT_NE(metrics.find(R"(infergate_requests_total{backend="mock",code="502",model="demo"} 1)"),
              std::string::npos);
}

TEST(UpstreamUnreachable, RefusedConnectionIs502AndReadinessFails) {
    // Reserve a port, then free it: nothing listens there.
    std::uint16_t dead_port;
    {
        net::io_context io;
        tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
        dead_port = acceptor.local_endpoint().port();
    }
    TestGateway gateway(demo_config("http://127.0.0.1:" + std::to_string(dead_port)));
    EXPECT_EQ(get(gateway.port(), "/readyz").status, 200);  // nothing tried yet
    const HttpResult result = post_json(gateway.port(), "/v1/chat/completions", kChat);
    EXPECT_EQ(result.status, 502);
    EXPECT_EQ(code_of(result), "upstream_unavailable");
    EXPECT_EQ(get(gateway.port(), "/readyz").status, 503);
    EXPECT_EQ(get(gateway.port(), "/healthz").status, 200);
}

TEST(UpstreamUnreachable, UnresolvableHostIs502) {
    TestGateway gateway(demo_config("http://backend.invalid:80"));
    EXPECT_EQ(post_json(gateway.port(), "/v1/chat/completions", kChat).status, 502);
}

}  // namespace
}  // namespace infergate::testing
