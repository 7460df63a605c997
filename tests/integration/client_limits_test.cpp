// Limits on what a client may send and how slowly: sizes, deadlines, keep-alive idling.
#include <array>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

class ClientLimitsTest : public MockedGatewayTest {
protected:
    void SetUp() override {
        start("", "  max_body_bytes: 1KiB\n  max_header_bytes: 2KiB\n  header_timeout: 300ms\n"
                  "  body_timeout: 300ms\n  idle_timeout: 300ms");
    }
};

TEST_F(ClientLimitsTest, BodyOverTheLimitIs413BeforeItIsRead) {
    const std::string head =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 99999999\r\n\r\n";
    const std::string answer = raw_exchange(port(), head, std::chrono::seconds(2));
    EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
    EXPECT_NE(answer.find("request_too_large"), std::string::npos);
    EXPECT_EQ(mock_->connections_accepted(), 0u);
}

TEST_F(ClientLimitsTest, AClientStillSendingItsBodyGetsThe413InsteadOfAReset) {
    // The gateway answers 413 from the head and closes; the client goes on writing 8 MiB and
    // only then reads. Closed with unread input, a socket sends RST, which destroys the 413 in
    // the client's receive queue: the gateway drains the rest before closing (lingering close).
    net::io_context io;
    tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), port()});
    const std::string body(8 << 20, 'a');
    const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    beast::error_code ec;
    net::write(socket, std::array{net::buffer(head), net::buffer(body)}, ec);
    EXPECT_FALSE(ec) << ec.message();  // the gateway kept reading: no reset while sending
    std::string answer;
    std::array<char, 4096> chunk;
    for (;;) {
        const std::size_t n = socket.read_some(net::buffer(chunk), ec);
        answer.append(chunk.data(), n);
        if (ec) break;
    }
    EXPECT_EQ(ec, net::error::eof) << ec.message();
    EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
}

TEST_F(ClientLimitsTest, ChunkedBodyOverTheLimitIs413) {
    const std::string big(2000, 'a');
    const std::string request =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n7d0\r\n" + big + "\r\n0\r\n\r\n";
    EXPECT_EQ(raw_exchange(port(), request, std::chrono::seconds(2)).rfind("HTTP/1.1 413", 0), 0u);
}

TEST_F(ClientLimitsTest, HeadersOverTheLimitAre431) {
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                std::string(4096, 'b') + "\r\n\r\n";
    EXPECT_EQ(raw_exchange(port(), request, std::chrono::seconds(2)).rfind("HTTP/1.1 431", 0), 0u);
}

TEST_F(ClientLimitsTest, HeadOverTheLimitIs431EvenWhenLineAndFieldsEachFit) {
    // Found by fuzzing: Beast limits the request line and the fields separately when a head
    // arrives in one read, so 1.5 KiB of each passed a 2 KiB limit.
    const std::string request = "GET /healthz?q=" + std::string(1500, 'q') +
                                " HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1500, 'b') +
                                "\r\n\r\n";
    const std::string answer = raw_exchange(port(), request, std::chrono::seconds(2));
    EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 200);
}

TEST_F(ClientLimitsTest, IncompleteHeaderIs408AtTheDeadlineThenClosed) {
    const auto started = std::chrono::steady_clock::now();
    const std::string answer =
        raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n", std::chrono::seconds(3));
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
    EXPECT_NE(answer.find("request_timeout"), std::string::npos);
    EXPECT_LT(took, std::chrono::seconds(2));  // closed by the gateway, not by our timeout
}

TEST_F(ClientLimitsTest, SilentConnectionIsClosedAtTheHeaderDeadlineAndCounted) {
    const auto started = std::chrono::steady_clock::now();
    const RawReply reply = raw_send(port(), {}, std::chrono::seconds(3));
    EXPECT_TRUE(reply.closed);
    EXPECT_EQ(reply.bytes, "");  // nothing was asked: nothing is answered
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    EXPECT_NE(get(port(), "/metrics").body.find(R"(infergate_client_errors_total{reason="header_timeout"} 1)"),
              std::string::npos);
}

TEST_F(ClientLimitsTest, IncompleteBodyIs408AtTheDeadline) {
    const std::string answer = raw_exchange(
        port(),
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{\"model\":",
        std::chrono::seconds(3));
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
}

TEST_F(ClientLimitsTest, IdleKeepAliveConnectionIsClosed) {
    const auto started = std::chrono::steady_clock::now();
    const std::string answer =
        raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(3));
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST_F(ClientLimitsTest, MalformedRequestLineIs400AndTheGatewayKeepsServing) {
    const std::string answer = raw_exchange(port(), "HELLO\r\n\r\n", std::chrono::seconds(2));
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_EQ(get(port(), "/healthz").status, 200);
}

TEST_F(ClientLimitsTest, ExpectContinueGetsA100ThenTheAnswer) {
    const std::string body = R"({"model":"demo","messages":[]})";
    const std::string answer = raw_exchange(
        port(),
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Expect: 100-continue\r\nConnection: close\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body,
        std::chrono::seconds(2));
    EXPECT_EQ(answer.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200", 0), 0u) << answer;
}

class HeaderDeadlineTest : public MockedGatewayTest {
protected:
    void SetUp() override { start("", "  header_timeout: 1s"); }
};

// The first head's deadline runs from the connection's arrival: waiting before the first
// byte does not buy a second header_timeout.
TEST_F(HeaderDeadlineTest, FirstHeadDeadlineRunsFromTheConnection) {
    net::io_context io;
    tcp::socket socket(io);
    const auto connected = std::chrono::steady_clock::now();
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    net::write(socket, net::buffer(std::string("GET /healthz HTTP/1.1\r\n")));
    std::string answer(64, '\0');
    beast::error_code ec;
    answer.resize(socket.read_some(net::buffer(answer), ec));
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
    // 1 s after connecting, not 1 s after the first byte (which would be 1.9 s).
    EXPECT_LT(std::chrono::steady_clock::now() - connected, std::chrono::milliseconds(1700));
}

// The connection limit (catalogue S7, S10): one worker, 2 connections, 1 in reserve.
class ConnectionLimitTest : public MockedGatewayTest {
protected:
    void SetUp() override {
        start("", "  workers: 1\n  max_connections: 2\n  reserved_connections: 1\n"
                  "  header_timeout: 10s");
    }
    const observability::Metrics& metrics() { return gateway_->gateway().metrics(); }
};

// True if the peer closes `socket` within `timeout` (reads and drops anything it sends).
bool closed_within(tcp::socket& socket, std::chrono::milliseconds timeout) {
    auto& io = static_cast<net::io_context&>(socket.get_executor().context());
    io.restart();
    bool closed = false;
    char sink[1024];
    std::function<void()> read_more = [&] {
        socket.async_read_some(net::buffer(sink), [&](beast::error_code ec, std::size_t) {
            if (ec) {
                closed = ec != net::error::operation_aborted;
                return;
            }
            read_more();
        });
    };
    read_more();
    io.run_for(timeout);
    if (!closed) {
        socket.cancel();
        io.run();
    }
    return closed;
}

tcp::socket connect_silently(net::io_context& io, std::uint16_t port) {
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    return socket;
}

TEST_F(ConnectionLimitTest, AtTheLimitTheLongestWaitingConnectionMakesRoom) {
    net::io_context io;
    tcp::socket first = connect_silently(io, port());   // sends nothing: a slowloris
    tcp::socket second = connect_silently(io, port());
    ASSERT_TRUE(eventually([&] { return metrics().connections_open.Value() == 2; }));

    EXPECT_EQ(get(port(), "/healthz").status, 200);  // takes the first one's place
    EXPECT_TRUE(closed_within(first, std::chrono::seconds(2)));
    EXPECT_FALSE(closed_within(second, std::chrono::milliseconds(200)));
    EXPECT_EQ(metrics().connections_evicted.Value(), 1);
    EXPECT_EQ(metrics().connections_refused.Value(), 0);
}

TEST_F(ConnectionLimitTest, WhenAllAreBusyTheReserveAnswersOnlyTheGatewaysOwnEndpoints) {
    net::io_context io;
    const std::string body = R"({"model":"demo","messages":[]})";
    beast::tcp_stream one = send_request(io, port(), "/v1/chat/completions", body, {{"x-mock-fault", "hang"}});
    beast::tcp_stream two = send_request(io, port(), "/v1/chat/completions", body, {{"x-mock-fault", "hang"}});
    ASSERT_TRUE(eventually([&] { return mock_->requests().size() == 2; }));

    const HttpResult health = get(port(), "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.header("connection"), "close");  // one request per reserve place
    EXPECT_EQ(get(port(), "/metrics").status, 200);
    const HttpResult proxied = post_json(port(), "/v1/chat/completions", body);
    EXPECT_EQ(proxied.status, 503);
    EXPECT_NE(proxied.body.find("gateway_overloaded"), std::string::npos) << proxied.body;
    EXPECT_EQ(proxied.header("retry-after"), "1");
    EXPECT_EQ(metrics().refused_on_reserve.Value(), 1);
    EXPECT_EQ(mock_->requests().size(), 2u);
    EXPECT_EQ(mock_->open_connections(), 2u);  // the busy connections were left alone
    EXPECT_EQ(metrics().connections_evicted.Value(), 0);
}

// Catalogue P3: request bodies held in memory have a cap for the whole gateway
// (server.max_buffered_body_bytes), claimed from the head's Content-Length. Past it a request
// is answered 503 gateway_overloaded with Retry-After before its body is read, instead of the
// process growing until it is killed; once the bodies held go, requests are admitted again.
class BodyMemoryTest : public MockedGatewayTest {
protected:
    void SetUp() override { start("", "  max_buffered_body_bytes: 64KiB\n  body_timeout: 10s"); }
    const observability::Metrics& metrics() { return gateway_->gateway().metrics(); }
};

TEST_F(BodyMemoryTest, PastTheCapARequestIs503WithRetryAfterUntilBodiesAreFreed) {
    net::io_context io;
    tcp::socket upload(io);  // 60 000 bytes announced, 10 sent: holds its claim
    upload.connect({net::ip::make_address("127.0.0.1"), port()});
    net::write(upload, net::buffer(std::string("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                                               "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n"
                                               "{\"model\":")));
    ASSERT_TRUE(eventually([&] { return metrics().buffered_body_bytes.Value() == 60000; }));

    const std::string big = R"({"model":"demo","messages":[{"role":"user","content":")" + std::string(10000, 'a') + R"("}]})";
    const HttpResult refused = post_json(port(), "/v1/chat/completions", big);
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.header("retry-after"), "1");
    EXPECT_EQ(refused.header("connection"), "close");
    EXPECT_EQ(refused.header("content-type"), "application/json");
    EXPECT_NE(refused.body.find(R"("code":"gateway_overloaded")"), std::string::npos) << refused.body;
    EXPECT_EQ(metrics().refused_for_body_memory.Value(), 1);
    EXPECT_EQ(mock_->requests().size(), 0u);
    // Small bodies still fit, and requests without one never claim anything.
    EXPECT_EQ(post_json(port(), "/v1/chat/completions", kDemoChat).status, 200);
    EXPECT_EQ(get(port(), "/healthz").status, 200);

    upload.close();  // the held body goes
    ASSERT_TRUE(eventually([&] { return metrics().buffered_body_bytes.Value() == 0; }));
    EXPECT_EQ(post_json(port(), "/v1/chat/completions", big).status, 200);
    EXPECT_TRUE(eventually([&] { return metrics().buffered_body_bytes.Value() == 0; }));
}

}  // namespace
}  // namespace infergate::testing
