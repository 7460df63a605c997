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

namespace infergate::testing {
namespace {

// A backend that answers the first request on a connection, keeps it open, then drops the
// connection when a second request arrives on it: the classic stale keep-alive connection.
class DropsSecondRequestBackend {
public:
    DropsSecondRequestBackend()
        : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
          thread_([this] { serve(); }) {}
    ~DropsSecondRequestBackend() {
        io_.stop();
        beast::error_code ignored;
        acceptor_.close(ignored);
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    int connections() const { return connections_.load(); }

private:
    void serve() {
        beast::error_code ec;
        tcp::socket first = acceptor_.accept(ec);
        if (ec) return;
        ++connections_;
        answer(first);
        beast::flat_buffer buffer;
        http::request<http::string_body> second;
        http::read(first, buffer, second, ec);
        first.close(ec);  // read the request, answer nothing
        tcp::socket fresh = acceptor_.accept(ec);
        if (ec) return;
        ++connections_;
        answer(fresh);
    }
    void answer(tcp::socket& socket) {
        beast::error_code ec;
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::read(socket, buffer, request, ec);
        http::response<http::string_body> response{http::status::ok, 11};
        response.set(http::field::content_type, "application/json");
        response.body() = R"({"id":"x","object":"chat.completion","choices":[]})";
        response.prepare_payload();
        http::write(socket, response, ec);
    }

    net::io_context io_;
    tcp::acceptor acceptor_;
    std::atomic<int> connections_{0};
    std::thread thread_;
};

TEST(ConnectionPool, PooledConnectionThatFailsBeforeAnyByteIsRetriedOnAFreshOne) {
    DropsSecondRequestBackend backend;
    TestGateway gateway(demo_config("http://127.0.0.1:" + std::to_string(backend.port()), "",
                                    "  workers: 1"));
    EXPECT_EQ(post_json(gateway.port(), "/v1/chat/completions", kChat).status, 200);
    const HttpResult second = post_json(gateway.port(), "/v1/chat/completions", kChat);
    EXPECT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(backend.connections(), 2);
}

TEST(ConnectionPool, IdleConnectionsAreClosedAfterTheIdleTimeout) {
    llm_mock::MockServer mock(llm_mock::Options{});
    mock.start();
    TestGateway gateway(demo_config("http://127.0.0.1:" + std::to_string(mock.port()),
                                    "    pool: { idle_timeout: 300ms }"));
    ASSERT_EQ(post_json(gateway.port(), "/v1/chat/completions", kChat).status, 200);
    ASSERT_EQ(mock.open_connections(), 1u);
    EXPECT_TRUE(eventually([&] { return mock.open_connections() == 0; }, std::chrono::seconds(2)));
}

}  // namespace
}  // namespace infergate::testing
