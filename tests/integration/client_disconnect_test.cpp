// Clients that leave (catalogue §3.6 C1, C2, C5, C6): what the upstream sees, what the key is
// charged, what the access log says, and that nothing leaks after a thousand rude clients.
#include <dirent.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"
#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;
constexpr auto npos = std::string::npos;

const std::string kKey = "sk-ig-app-" + std::string(kClientCanary);

std::string chat_request(const std::string& fields = "") {
    return raw_post("/v1/chat/completions", kDemoChat, "Authorization: Bearer " + kKey + "\r\n" + fields);
}

// Descriptors open in this process: the gateway and the mock both run in it.
std::size_t open_fds() {
    std::size_t count = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (::readdir(dir) != nullptr) ++count;
        ::closedir(dir);
    }
    return count;
}

class ClientDisconnectTest : public ::testing::Test {
protected:
    void SetUp() override {
        llm_mock::Options options;
        options.record = true;
        mock_ = std::make_unique<llm_mock::MockServer>(options);
        mock_->start();
        gateway_ = std::make_unique<TestGateway>(
            demo_config("http://127.0.0.1:" + std::to_string(mock_->port()),
                        "    pool: { idle_timeout: 300ms }", "  header_timeout: 1s") +
            "auth:\n  keys:\n    - { id: app, sha256: \"" + auth::to_hex(auth::sha256_of(kKey)) +
            "\", limits: { concurrency: 1, tokens_per_day: 1000000 } }\n");
    }
    std::uint16_t port() const { return gateway_->port(); }
    HttpResult chat(const std::string& body = kDemoChat, Headers extra = {}) {
        extra.emplace_back("authorization", "Bearer " + kKey);
        return post_json(port(), "/v1/chat/completions", body, extra);
    }
    // Tokens the key has been charged today (its /v1/usage report).
    std::int64_t tokens_charged() { return used_of("tokens_per_day"); }
    // Its requests in flight: a request's slot comes back when the gateway has settled it,
    // which may be just after the client read the answer.
    std::int64_t in_flight() { return used_of("concurrency"); }
    std::int64_t used_of(const std::string& kind) {
        const HttpResult usage = request(port(), http::verb::get, "/v1/usage", "",
                                         {{"authorization", "Bearer " + kKey}});
        const json report = json::parse(usage.body);
        for (const auto& limit : report["limits"]) {
            if (limit["limit"] == kind) return limit["used"].get<std::int64_t>();
        }
        return -1;
    }
    std::size_t log_count(const std::string& needle) {
        const std::string log = gateway_->access_log();
        std::size_t count = 0;
        for (std::size_t at = log.find(needle); at != npos; at = log.find(needle, at + 1)) ++count;
        return count;
    }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::unique_ptr<TestGateway> gateway_;
};

// C1 + C2: a client that leaves before the first token, or mid-stream, closes the upstream
// socket, frees its concurrency slot at once, is logged as 499, and is still charged.
TEST_F(ClientDisconnectTest, LeavingBeforeOrDuringAStreamCancelsFreesTheSlotAndCharges) {
    {
        net::io_context io;
        beast::tcp_stream stream = send_request(io, port(), "/v1/chat/completions", kDemoStreamChat,
                                                {{"authorization", "Bearer " + kKey},
                                                 {"x-mock-ttft-ms", "5000"}});
        ASSERT_TRUE(eventually([&] { return mock_->open_connections() == 1 && mock_->requests().size() == 1; }));
        stream.close();
    }
    EXPECT_TRUE(eventually([&] { return mock_->aborted_responses() == 1; }, std::chrono::seconds(1)));
    // concurrency: 1, so this is admitted only if the slot came back.
    EXPECT_TRUE(eventually([&] { return chat().status == 200; }, std::chrono::seconds(1)));
    ASSERT_TRUE(eventually([&] { return in_flight() == 0; }));  // settled: its charge is final
    const std::int64_t before_stream = tokens_charged();

    {
        net::io_context io;
        beast::tcp_stream stream = send_request(io, port(), "/v1/chat/completions", kDemoStreamChat,
                                                {{"authorization", "Bearer " + kKey},
                                                 {"x-mock-chunks", "500"}, {"x-mock-delay-ms", "10"}});
        char first[512];
        stream.expires_after(std::chrono::seconds(5));
        ASSERT_GT(stream.read_some(net::buffer(first)), 0u);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a few events relayed
        stream.close();
    }
    EXPECT_TRUE(eventually([&] { return mock_->aborted_responses() == 2; }, std::chrono::seconds(1)));
    EXPECT_TRUE(eventually([&] { return log_count("\"status\":499") == 2; })) << gateway_->access_log();
    // The prompt estimate plus one token per relayed event: leaving does not make it free.
    EXPECT_TRUE(eventually([&] { return tokens_charged() > before_stream; })) << before_stream;
    EXPECT_TRUE(eventually([&] {
        return get(port(), "/metrics").body.find("\ninfergate_client_disconnects_total 2\n") != npos;
    }));
    EXPECT_EQ(chat().status, 200);
}

// C5: a client that half-closes (shutdown(SHUT_WR)) after its request cannot be told apart
// from one that closed: both send a FIN. The gateway treats it as gone, as it must for C1/C4:
// while the upstream is working, the upstream request is cancelled, nothing is answered and the
// log says 499. Only an answer that is complete before the FIN is noticed is still delivered.
// Either way the connection is closed at once, not kept for the idle timeout.
TEST_F(ClientDisconnectTest, HalfCloseAfterTheRequestIsTreatedAsLeaving) {
    auto half_close = [&](const std::string& fields) {
        net::io_context io;
        tcp::socket socket(io);
        socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
        net::write(socket, net::buffer(chat_request(fields)));
        socket.shutdown(tcp::socket::shutdown_send);
        RawReply reply;
        char buffer[4096];
        beast::error_code ec;
        while (!ec) reply.bytes.append(buffer, socket.read_some(net::buffer(buffer), ec));
        reply.closed = ec == net::error::eof;
        return reply;
    };
    // While the upstream takes its time: always cancelled.
    for (int i = 0; i < 3; ++i) {
        const std::size_t aborted = mock_->aborted_responses();
        const std::size_t logged = log_count("\"status\":499");
        const auto started = std::chrono::steady_clock::now();
        const RawReply reply = half_close("x-mock-ttft-ms: 2000\r\n");
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
        EXPECT_TRUE(reply.closed);
        EXPECT_EQ(reply.bytes, "") << reply.bytes.substr(0, 200);
        EXPECT_TRUE(eventually([&] { return log_count("\"status\":499") == logged + 1; }));
        // Either the request never left, or the upstream saw it cancelled.
        EXPECT_TRUE(eventually([&] {
            return mock_->requests().size() == aborted || mock_->aborted_responses() == aborted + 1;
        }, std::chrono::seconds(1)));
    }
    // An upstream faster than the FIN: answered whole, or not at all; closed either way.
    for (int i = 0; i < 3; ++i) {
        const auto started = std::chrono::steady_clock::now();
        const RawReply reply = half_close("");
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
        EXPECT_TRUE(reply.closed);
        if (!reply.bytes.empty()) {
            EXPECT_EQ(reply.bytes.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
            EXPECT_NE(reply.bytes.find("\"usage\""), npos);  // the whole body
        }
    }
    EXPECT_TRUE(eventually([&] { return mock_->open_connections() == 0; }, std::chrono::seconds(2)));
    EXPECT_EQ(chat().status, 200);
}

// C6: a thousand clients that connect, send (a whole request, one the upstream is slow to
// answer, or half a head) and reset: descriptors, connections and in-flight gauges all come
// back to where they were.
TEST_F(ClientDisconnectTest, AThousandConnectSendResetCyclesLeakNothing) {
    ASSERT_EQ(chat().status, 200);
    ASSERT_TRUE(eventually([&] { return mock_->open_connections() == 0; }, std::chrono::seconds(2)));
    const std::size_t baseline = open_fds();

    const std::string requests[] = {chat_request(), chat_request("x-mock-ttft-ms: 20\r\n"),
                                    chat_request().substr(0, 60)};
    {
        net::io_context io;  // itself three descriptors (epoll, eventfd, timerfd): gone after
        for (int i = 0; i < 1000; ++i) {
            tcp::socket socket(io);
            socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
            net::write(socket, net::buffer(requests[i % 3]));
            socket.set_option(net::socket_base::linger(true, 0));
            socket.close();  // RST
        }
    }

    std::size_t fds = 0;
    EXPECT_TRUE(eventually([&] {
        fds = open_fds();
        return fds == baseline && mock_->open_connections() == 0;
    }, std::chrono::seconds(5))) << fds << " descriptors open, " << baseline << " before";
    const std::string metrics = get(port(), "/metrics").body;
    EXPECT_NE(metrics.find("\ninfergate_connections_open 1\n"), npos);  // the scrape itself
    EXPECT_NE(metrics.find("\ninfergate_requests_in_flight{backend=\"mock\",model=\"demo\"} 0\n"), npos);
    EXPECT_NE(metrics.find("\ninfergate_session_exceptions_total 0\n"), npos);
    EXPECT_EQ(chat().status, 200);  // and the concurrency slot of every one of them came back
}

}  // namespace
}  // namespace infergate::testing
