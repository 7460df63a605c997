// The upstream pool under pressure: max_connections caps what the backend sees, waiters queue
// FIFO and are served when a connection frees, and give up at the acquire deadline.
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

const std::string kChat = R"({"model":"demo","messages":[{"role":"user","content":"hi"}]})";

std::unique_ptr<TestGateway> one_connection_gateway(std::uint16_t mock_port, const char* acquire) {
    // One worker so that the pool (per worker) is the only one.
    return std::make_unique<TestGateway>(demo_config(
        "http://127.0.0.1:" + std::to_string(mock_port),
        std::string("    pool: { max_connections: 1, acquire_timeout: ") + acquire + " }",
        "  workers: 1"));
}

TEST(ConnectionPool, RequestsBeyondMaxConnectionsWaitForAFreeConnection) {
    llm_mock::MockServer mock(llm_mock::Options{});
    mock.start();
    auto gateway = one_connection_gateway(mock.port(), "5s");
    std::vector<std::future<HttpResult>> calls;
    for (int i = 0; i < 4; ++i) {
        calls.push_back(std::async(std::launch::async, [&] {
            return post_json(gateway->port(), "/v1/chat/completions", kChat, {{"x-mock-ttft-ms", "100"}});
        }));
    }
    for (auto& call : calls) EXPECT_EQ(call.get().status, 200);
    EXPECT_EQ(mock.connections_accepted(), 1u);  // one connection, reused by every request
}

TEST(ConnectionPool, WaiterGivesUpAtTheAcquireDeadlineWith503) {
    llm_mock::MockServer mock(llm_mock::Options{});
    mock.start();
    auto gateway = one_connection_gateway(mock.port(), "200ms");
    auto slow = std::async(std::launch::async, [&] {
        return post_json(gateway->port(), "/v1/chat/completions", kChat, {{"x-mock-ttft-ms", "1500"}});
    });
    ASSERT_TRUE(eventually([&] { return mock.open_connections() == 1; }));
    const HttpResult waiting = post_json(gateway->port(), "/v1/chat/completions", kChat);
    EXPECT_EQ(waiting.status, 503);
    EXPECT_EQ(nlohmann::json::parse(waiting.body)["error"]["code"], "upstream_overloaded");
    EXPECT_EQ(slow.get().status, 200);
    EXPECT_NE(get(gateway->port(), "/metrics").body.find(R"(kind="pool_timeout"} 1)"), std::string::npos);
}

TEST(ConnectionPool, ConnectionsTheBackendClosedAreNotReused) {
    llm_mock::MockServer mock(llm_mock::Options{});
    mock.start();
    const std::uint16_t port = mock.port();
    auto gateway = one_connection_gateway(port, "5s");
    ASSERT_EQ(post_json(gateway->port(), "/v1/chat/completions", kChat).status, 200);
    // The backend restarts: every pooled connection is now dead.
    mock.stop();
    llm_mock::Options same_port;
    same_port.port = port;
    llm_mock::MockServer restarted(same_port);
    restarted.start();
    EXPECT_EQ(post_json(gateway->port(), "/v1/chat/completions", kChat).status, 200);
    EXPECT_EQ(restarted.connections_accepted(), 1u);
}

TEST(ConnectionPool, ManyIdleClientConnectionsDoNotStopService) {
    llm_mock::MockServer mock(llm_mock::Options{});
    mock.start();
    TestGateway gateway(demo_config("http://127.0.0.1:" + std::to_string(mock.port())));
    net::io_context io;
    std::vector<tcp::socket> idle;
    for (int i = 0; i < 800; ++i) {
        idle.emplace_back(io).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), gateway.port()));
    }
    EXPECT_EQ(post_json(gateway.port(), "/v1/chat/completions", kChat).status, 200);
    EXPECT_TRUE(eventually([&] {
        return get(gateway.port(), "/metrics").body.find("infergate_connections_open 801") != std::string::npos;
    }));
}

}  // namespace
}  // namespace infergate::testing
