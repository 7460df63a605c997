// Streaming through the gateway: events relayed as they come, re-joined when the upstream
// splits them, cut cleanly (error event, no [DONE]) when the upstream fails mid-stream, and
// cancelled upstream when the client leaves.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;

const std::string kStreamBody =
    R"({"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]})";

class StreamingTest : public MockedGatewayTest {
protected:
    void SetUp() override { start("    timeouts: { first_byte: 2s, idle: 1s, total: 20s }"); }
};

std::string content_of(const std::vector<std::string>& events) {
    std::string text;
    for (const auto& data : events) {
        if (data == "[DONE]") continue;
        const json chunk = json::parse(data);
        if (chunk.contains("choices") && !chunk["choices"].empty()) {
            const auto& delta = chunk["choices"][0]["delta"];
            if (delta.contains("content") && delta["content"].is_string()) {
                text += delta["content"].get<std::string>();
            }
        }
    }
    return text;
}

// The access log (written after the response) comes to show a request abandoned by its client.
::testing::AssertionResult logs_499(TestGateway& gateway) {
    std::string log;
    if (eventually([&] {
            log = gateway.access_log();
            return log.find("\"status\":499") != std::string::npos;
        })) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "no 499 in the access log:\n" << log;
}

TEST_F(StreamingTest, RelaysEveryEventThenDone) {
    const HttpResult result = post_json(port(), "/v1/chat/completions", kStreamBody,
                                        {{"x-mock-chunks", "5"}});
    ASSERT_EQ(result.status, 200);
    EXPECT_TRUE(result.complete);
    EXPECT_EQ(result.header("content-type").rfind("text/event-stream", 0), 0u);
    EXPECT_EQ(result.header("transfer-encoding"), "chunked");
    const auto events = sse_data(result.body);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_EQ(events.size(), 1 + 5 + 1 + 1u);  // role, 5 words, finish, [DONE]
    EXPECT_EQ(json::parse(events[1])["model"], "mock-model");
}

TEST_F(StreamingTest, EventsSplitAcrossUpstreamChunksArriveWhole) {
    const HttpResult plain = post_json(port(), "/v1/chat/completions", kStreamBody);
    const HttpResult split = post_json(port(), "/v1/chat/completions", kStreamBody,
                                       {{"x-mock-fault", "split-events"}});
    ASSERT_EQ(split.status, 200);
    const auto events = sse_data(split.body);
    EXPECT_EQ(events.size(), sse_data(plain.body).size());
    EXPECT_EQ(content_of(events), content_of(sse_data(plain.body)));
    EXPECT_EQ(events.back(), "[DONE]");
    for (std::size_t i = 0; i + 1 < events.size(); ++i) EXPECT_NO_THROW(json::parse(events[i]));
}

TEST_F(StreamingTest, UsageFromTheStreamIsLoggedAndCounted) {
    const std::string body =
        R"({"model":"demo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello world, hello"}]})";
    const HttpResult result = post_json(port(), "/v1/chat/completions", body, {{"x-mock-chunks", "6"}});
    ASSERT_EQ(result.status, 200);
    std::string log;
    ASSERT_TRUE(eventually([&] {
        log = gateway_->access_log();
        return log.find("\"completion_tokens\":6") != std::string::npos;
    })) << log;
    const std::string metrics = get(port(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(gen_ai_usage_tokens_total{backend="mock",model="demo",type="output"} 6)"),
              std::string::npos) << metrics;
}

TEST_F(StreamingTest, ResetMidStreamEndsWithAnErrorEventAndNoDone) {
    const HttpResult result = post_json(port(), "/v1/chat/completions", kStreamBody,
                                        {{"x-mock-fault", "reset-mid-stream"}});
    EXPECT_EQ(result.status, 200);
    EXPECT_FALSE(result.complete) << "the chunked body must not end normally";
    const auto events = sse_data(result.body);
    ASSERT_GE(events.size(), 2u);
    EXPECT_NE(events.back(), "[DONE]");
    const json error = json::parse(events.back());
    EXPECT_EQ(error["error"]["code"], "upstream_unavailable");
}

TEST_F(StreamingTest, StreamEndingWithoutDoneIsReportedAsCut) {
    for (const char* fault : {"truncate-stream", "close-mid-stream"}) {
        const HttpResult result = post_json(port(), "/v1/chat/completions", kStreamBody,
                                            {{"x-mock-fault", fault}});
        const auto events = sse_data(result.body);
        ASSERT_FALSE(events.empty()) << fault;
        EXPECT_FALSE(result.complete) << fault;
        const json error = json::parse(events.back());
        EXPECT_TRUE(error.contains("error")) << fault << ": " << events.back();
    }
}

TEST_F(StreamingTest, SilentUpstreamBeforeItsFirstWordIsAPlain504) {
    // 3 s before each word, idle timeout 1 s: only the role chunk came, and it was held back
    // (no output yet), so the client gets a plain error it (or a retry) can act on.
    const HttpResult result = post_json(port(), "/v1/chat/completions", kStreamBody,
                                        {{"x-mock-chunks", "3"}, {"x-mock-delay-ms", "3000"}});
    EXPECT_EQ(result.status, 504);
    EXPECT_TRUE(sse_data(result.body).empty()) << result.body;
    EXPECT_EQ(json::parse(result.body)["error"]["code"], "upstream_timeout");
}

TEST_F(StreamingTest, ClientDisconnectMidStreamCancelsTheUpstream) {
    net::io_context io;
    beast::tcp_stream stream = send_request(io, port(), "/v1/chat/completions", kStreamBody,
                                            {{"x-mock-chunks", "500"}, {"x-mock-delay-ms", "20"}});
    char first[256];
    stream.expires_after(std::chrono::seconds(5));
    ASSERT_GT(stream.read_some(net::buffer(first)), 0u);  // the stream has started
    const auto closed_at = std::chrono::steady_clock::now();
    stream.close();

    ASSERT_TRUE(eventually([&] { return mock_->aborted_responses() == 1; }, std::chrono::seconds(2)));
    // The mock notices at its next write (20 ms pacing): well under a second after the close.
    EXPECT_LT(std::chrono::steady_clock::now() - closed_at, std::chrono::seconds(1));
    ASSERT_TRUE(logs_499(*gateway_));
    EXPECT_NE(get(port(), "/metrics").body.find("infergate_client_disconnects_total 1"), std::string::npos);
}

// Before the first byte of a stream, and during a non-streaming call: the upstream socket
// is closed as soon as the client leaves, not when the model finishes.
TEST_F(StreamingTest, ClientDisconnectBeforeTheFirstByteCancelsTheUpstream) {
    const std::string non_streaming = R"({"model":"demo","messages":[]})";
    for (const std::string& body : {kStreamBody, non_streaming}) {
        mock_->clear_requests();
        net::io_context io;
        beast::tcp_stream stream =
            send_request(io, port(), "/v1/chat/completions", body, {{"x-mock-fault", "hang"}});
        ASSERT_TRUE(eventually([&] { return mock_->requests().size() == 1; }));
        ASSERT_EQ(mock_->open_connections(), 1u);
        stream.close();
        EXPECT_TRUE(eventually([&] { return mock_->open_connections() == 0; }, std::chrono::seconds(1)))
            << body;
    }
}

// Catalogue C3 / S9: a client that stops reading while the upstream streams fast. The relay
// buffers at most one read of events (backpressure), each write to the client has
// write_timeout, and when it passes the client is dropped and the upstream connection closed.
class SlowReaderTest : public MockedGatewayTest {
protected:
    void SetUp() override {
        start("    timeouts: { first_byte: 2s, idle: 1s, total: 20s }", "  write_timeout: 500ms");
    }
};

TEST_F(SlowReaderTest, ClientThatStopsReadingIsDroppedAndTheUpstreamCancelled) {
    net::io_context io;
    tcp::socket client(io);
    client.open(tcp::v4());
    client.set_option(net::socket_base::receive_buffer_size(4096));  // a small window, never read
    client.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
    const std::string request =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "x-mock-chunks: 100000\r\nContent-Length: " + std::to_string(kStreamBody.size()) +
        "\r\n\r\n" + kStreamBody;
    net::write(client, net::buffer(request));
    const auto sent_at = std::chrono::steady_clock::now();

    ASSERT_TRUE(eventually([&] { return mock_->requests().size() == 1; }));
    EXPECT_TRUE(eventually([&] { return mock_->open_connections() == 0; }, std::chrono::seconds(10)));
    EXPECT_LT(std::chrono::steady_clock::now() - sent_at, std::chrono::seconds(8));
    EXPECT_TRUE(logs_499(*gateway_));
    EXPECT_NE(get(port(), "/metrics").body.find(R"(infergate_client_errors_total{reason="write_timeout"} 1)"),
              std::string::npos);
}

}  // namespace
}  // namespace infergate::testing
