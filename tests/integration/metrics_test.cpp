// /metrics after known traffic: the counters and histograms an SRE would graph.
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, ReflectKnownTraffic) {
    llm_mock::MockServer mock(llm_mock::Options{});
    mock.start();
    TestGateway gateway(demo_config("http://127.0.0.1:" + std::to_string(mock.port())));
    const std::uint16_t port = gateway.port();

    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(post_json(port, "/v1/chat/completions",
                            R"({"model":"demo","messages":[{"role":"user","content":"12345678"}]})")
                      .status,
                  200);
    }
    const HttpResult stream =
        post_json(port, "/v1/chat/completions", R"({"model":"demo","stream":true,"messages":[]})",
                  {{"x-mock-chunks", "4"}});
    ASSERT_EQ(stream.status, 200);
    // Its usage was asked for on the client's behalf (see below) and is not shown to it.
    EXPECT_EQ(stream.body.find(R"("usage":{)"), std::string::npos) << stream.body;
    EXPECT_NE(stream.body.find("data: [DONE]"), std::string::npos) << stream.body;
    post_json(port, "/v1/chat/completions", R"({"model":"nope","messages":[]})");
    post_json(port, "/v1/chat/completions", "not json");

    // A request is accounted right after its response is written: the client can be faster.
    HttpResult scrape;
    ASSERT_TRUE(eventually([&] {
        scrape = get(port, "/metrics");
        return has_line(scrape.body, R"(infergate_requests_total{backend="none",code="400",model="none"} 1)");
    }));
    ASSERT_EQ(scrape.status, 200);
    EXPECT_EQ(scrape.header("content-type"), "text/plain; version=0.0.4");
    const std::string& m = scrape.body;
    EXPECT_TRUE(has_line(m, R"(infergate_requests_total{backend="mock",code="200",model="demo"} 4)")) << m;
    EXPECT_TRUE(has_line(m, R"(infergate_requests_total{backend="none",code="404",model="unknown"} 1)"));
    EXPECT_TRUE(has_line(m, R"(infergate_requests_total{backend="none",code="400",model="none"} 1)"));
    EXPECT_TRUE(has_line(m, R"(gen_ai_server_request_duration_seconds_count{backend="mock",model="demo"} 4)"));
    EXPECT_TRUE(has_line(m, R"(gen_ai_server_time_to_first_token_seconds_count{backend="mock",model="demo"} 1)"));
    EXPECT_TRUE(has_line(m, R"(gen_ai_server_time_per_output_token_seconds_count{backend="mock",model="demo"} 1)"));
    // Non-streaming usage: 3 × (8 completion tokens, 8 bytes / 4 = 2 prompt tokens); the stream
    // was asked for its usage although the client did not ask: 4 completion tokens, 1 prompt.
    EXPECT_TRUE(has_line(m, R"(gen_ai_usage_tokens_total{backend="mock",model="demo",type="output"} 28)")) << m;
    EXPECT_TRUE(has_line(m, R"(gen_ai_usage_tokens_total{backend="mock",model="demo",type="input"} 7)")) << m;
    EXPECT_TRUE(has_line(m, R"(infergate_requests_in_flight{backend="mock",model="demo"} 0)"));
    EXPECT_TRUE(has_line(m, R"(infergate_upstream_connections{backend="mock",state="busy"} 0)"));
    EXPECT_NE(m.find(R"(infergate_upstream_connections{backend="mock",state="idle"} )"), std::string::npos);
    EXPECT_EQ(m.find("canary"), std::string::npos);  // no secret in any label
}

}  // namespace
}  // namespace infergate::testing
