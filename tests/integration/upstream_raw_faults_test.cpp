// Upstream faults that need exact bytes (catalogue §3.5 U2, U11–U15, §3.4 A10): a scripted
// fake upstream answers with malformed heads, oversized bodies, SSE edge cases, extra bytes and
// credential refusals. For each, what the client sees, whether the upstream connection was
// reused, and that the gateway keeps serving.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "support/scripted_upstream.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;
using Reply = ScriptedUpstream::Reply;
using Then = ScriptedUpstream::Then;
constexpr auto npos = std::string::npos;

const std::string kCompletion =
    R"({"id":"c1","object":"chat.completion","model":"mock-model","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})";

Reply ok_reply(Then then = Then::keep_open) {
    return {ScriptedUpstream::response(200, "application/json", kCompletion), then};
}

HttpResult chat(std::uint16_t port, const std::string& body = kDemoChat) {
    return post_json(port, "/v1/chat/completions", body);
}

json error_of(const HttpResult& result) {
    const json body = json::parse(result.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"] : json();
}

bool metric_is(TestGateway& gateway, const std::string& series, const std::string& value) {
    return eventually([&] {
        return get(gateway.port(), "/metrics").body.find("\n" + series + " " + value + "\n") != npos;
    });
}

// A10: the backend refuses the gateway's key. The client learns it is the gateway's problem
// (502, not 401: its own key was fine), and nothing of the upstream's answer, which may quote
// part of the backend key, reaches it.
TEST(UpstreamCredentials, Upstream401Or403IsAGeneric502) {
    const std::string quoted_key = "Incorrect API key provided: " +
                                   std::string(kBackendCanary).substr(0, 10) + "****" +
                                   " (" + kBackendCanary + ")";
    for (const unsigned status : {401u, 403u}) {
        SCOPED_TRACE(status);
        ScriptedUpstream upstream(Reply{
            ScriptedUpstream::response(
                status, "application/json",
                R"({"error":{"message":")" + quoted_key +
                    R"(","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})",
                "WWW-Authenticate: Bearer realm=\"upstream\"\r\n"),
            Then::keep_open});
        TestGateway gateway(demo_config(upstream.url()));
        for (const std::string& body : {kDemoChat, kDemoStreamChat}) {
            const HttpResult result = chat(gateway.port(), body);
            EXPECT_EQ(result.status, 502) << result.body;
            EXPECT_EQ(result.header("content-type"), "application/json");
            EXPECT_EQ(result.header("www-authenticate"), "");
            EXPECT_EQ(error_of(result)["code"], "upstream_auth_failed") << result.body;
            EXPECT_EQ(error_of(result)["type"], "server_error");
            EXPECT_EQ(result.body.find("Incorrect API key"), npos) << result.body;
            EXPECT_EQ(result.body.find("sk-canar"), npos) << result.body;
        }
        // It really was the gateway's key that was refused.
        const auto received = upstream.requests();
        ASSERT_EQ(received.size(), 2u);
        EXPECT_NE(received[0].find(std::string("Bearer ") + kBackendCanary), npos);
        EXPECT_TRUE(metric_is(gateway, R"(infergate_upstream_errors_total{backend="mock",kind="auth_refused"})", "2"));
        std::string log;
        EXPECT_TRUE(eventually([&] {
            log = gateway.access_log();
            return log.find(R"("code":"upstream_auth_failed")") != npos;
        })) << log;
        EXPECT_EQ(log.find("canary"), npos) << log;
        EXPECT_EQ(get(gateway.port(), "/metrics").body.find("canary"), npos);
    }
}

// U11: an error page that is not JSON (a proxy's HTML 503) keeps its status and Retry-After
// but becomes the one error shape; the page itself (internal host names) is not relayed.
TEST(UpstreamErrorBodies, NonJsonErrorPageBecomesAnOpenAIErrorWithTheSameStatus) {
    ScriptedUpstream upstream(Reply{
        ScriptedUpstream::response(503, "text/html",
                                   "<html><body>503: backend-7.internal is down</body></html>",
                                   "Retry-After: 7\r\n"),
        Then::keep_open});
    TestGateway gateway(demo_config(upstream.url()));
    const HttpResult result = chat(gateway.port());
    EXPECT_EQ(result.status, 503);
    EXPECT_EQ(result.header("content-type"), "application/json");
    EXPECT_EQ(result.header("retry-after"), "7");
    EXPECT_EQ(error_of(result)["code"], "upstream_error") << result.body;
    EXPECT_EQ(error_of(result)["type"], "server_error");
    EXPECT_TRUE(error_of(result).contains("param"));
    EXPECT_EQ(result.body.find("internal"), npos);
}

// U12: a response the gateway cannot frame safely is a 502, and its connection is never
// reused: each case arrives on a connection of its own.
TEST(UpstreamFraming, MalformedResponsesAre502AndTheirConnectionIsDiscarded) {
    const std::string json_head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"CL + TE", json_head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        "0\r\n\r\n" + kCompletion},
        {"garbage status line", "HTTX/9 ???\r\nContent-Length: 0\r\n\r\n"},
        {"bad chunk size", json_head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + kCompletion},
        {"head over 64 KiB", json_head + "X-Big: " + std::string(70 << 10, 'b') +
                                 "\r\nContent-Length: 2\r\n\r\n{}"},
    };
    ScriptedUpstream upstream([&](std::size_t index) {
        return index < cases.size() ? Reply{cases[index].second, Then::keep_open} : ok_reply();
    });
    TestGateway gateway(demo_config(upstream.url(), "    timeouts: { first_byte: 1s, idle: 500ms }"));
    for (std::size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(cases[i].first);
        const HttpResult result = chat(gateway.port());
        EXPECT_EQ(result.status, 502) << result.body;
        EXPECT_EQ(error_of(result)["code"], "upstream_invalid_response") << result.body;
        EXPECT_EQ(upstream.connections(), i + 1);
    }
    EXPECT_EQ(chat(gateway.port()).status, 200);
    EXPECT_EQ(upstream.connections(), cases.size() + 1);
}

// U12, obs-fold: RFC 9112 §5.2 lets a gateway replace it with spaces instead of answering 502.
// Beast does, and the gateway writes its own head: no fold reaches the client.
TEST(UpstreamFraming, ObsFoldInAResponseIsUnfolded) {
    ScriptedUpstream upstream(Reply{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                    "X-Folded: a\r\n b\r\nContent-Length: " +
                                        std::to_string(kCompletion.size()) + "\r\n\r\n" + kCompletion,
                                    Then::keep_open});
    TestGateway gateway(demo_config(upstream.url()));
    const std::string answer =
        raw_exchange(gateway.port(), raw_post("/v1/chat/completions", kDemoChat, "Connection: close\r\n"));
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer;
    EXPECT_NE(answer.find("\r\nX-Folded: a b\r\n"), npos) << answer;
}

// U13: a body over max_response_bytes is refused before it is buffered, whether its length
// is declared or chunked.
TEST(UpstreamLimits, BodyOverMaxResponseBytesIs502) {
    const std::string big = R"({"pad":")" + std::string(8 << 10, 'x') + "\"}";
    std::ostringstream chunked;
    chunked << "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            << std::hex << big.size() << "\r\n" << big << "\r\n0\r\n\r\n";
    const std::vector<Reply> replies = {
        {ScriptedUpstream::response(200, "application/json", big), Then::keep_open},
        {chunked.str(), Then::keep_open},
    };
    ScriptedUpstream upstream([&](std::size_t index) { return replies.at(index); });
    TestGateway gateway(demo_config(upstream.url(), "    max_response_bytes: 4KiB"));
    for (const char* framing : {"content-length", "chunked"}) {
        SCOPED_TRACE(framing);
        const HttpResult result = chat(gateway.port());
        EXPECT_EQ(result.status, 502);
        EXPECT_EQ(error_of(result)["code"], "upstream_invalid_response") << result.body.substr(0, 200);
    }
    EXPECT_TRUE(metric_is(gateway, R"(infergate_upstream_errors_total{backend="mock",kind="too_large"})", "2"));
}

// U13: an event that never ends is cut at max_event_bytes: a 502 before the first event, an
// error event after it.
TEST(UpstreamLimits, EventThatNeverEndsIsCutAtMaxEventBytes) {
    const std::string sse_head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    const std::string first_event =
        R"(data: {"id":"1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"a"}}]})"
        "\n\n";
    const std::vector<Reply> replies = {
        {sse_head + "data: " + std::string(256 << 10, 'x'), Then::keep_open},
        {sse_head + first_event + "data: " + std::string(256 << 10, 'x'), Then::keep_open},
    };
    ScriptedUpstream upstream([&](std::size_t index) { return replies.at(index); });
    TestGateway gateway(demo_config(upstream.url(), "    max_event_bytes: 16KiB"));

    const HttpResult at_once = chat(gateway.port(), kDemoStreamChat);
    EXPECT_EQ(at_once.status, 502) << at_once.body.substr(0, 300);
    EXPECT_EQ(error_of(at_once)["code"], "upstream_invalid_response");

    const HttpResult later = chat(gateway.port(), kDemoStreamChat);
    EXPECT_EQ(later.status, 200);
    EXPECT_FALSE(later.complete);
    const auto events = sse_data(later.body);
    ASSERT_EQ(events.size(), 2u) << later.body.substr(0, 300);
    EXPECT_EQ(json::parse(events[1])["error"]["code"], "upstream_invalid_response");
    EXPECT_LT(later.body.size(), 4096u);
    EXPECT_TRUE(metric_is(gateway, R"(infergate_upstream_errors_total{backend="mock",kind="too_large"})", "2"));
}

// U14: CRLF line endings, comments, multi-line data and an upstream error event pass through
// as events; usage is still read from the stream.
TEST(UpstreamStreams, SseEdgeCasesAreRelayedAndUsageIsRead) {
    const std::string stream =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    auto chunk = [](const std::string& data) {
        std::ostringstream size;
        size << std::hex << data.size();
        return size.str() + "\r\n" + data + "\r\n";
    };
    const std::string events =
        ": keep-alive\r\n\r\n"
        "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\r\n\r\n"
        "data: {\"object\":\"chat.completion.chunk\",\r\ndata: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}\n\n"
        "event: error\ndata: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"
        "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8}}\r\n\r\n"
        "data: [DONE]\r\n\r\n";
    // Split at awkward places: inside a line, between CR and LF.
    const std::size_t a = events.find("delta") + 3, b = events.find("\r\ndata: \"choices\"") + 1;
    ScriptedUpstream upstream(Reply{stream + chunk(events.substr(0, a)) + chunk(events.substr(a, b - a)) +
                                        chunk(events.substr(b)) + "0\r\n\r\n",
                                    Then::keep_open});
    TestGateway gateway(demo_config(upstream.url()));
    const HttpResult result = chat(gateway.port(), kDemoStreamChat);
    ASSERT_EQ(result.status, 200);
    EXPECT_TRUE(result.complete);
    EXPECT_NE(result.body.find("\"content\":\"a\""), npos) << result.body;
    EXPECT_NE(result.body.find("\"content\":\"b\""), npos) << result.body;
    EXPECT_NE(result.body.find("event: error\n"), npos) << result.body;
    const auto data = sse_data(result.body);
    ASSERT_FALSE(data.empty());
    EXPECT_EQ(data.back(), "[DONE]");
    std::string log;
    EXPECT_TRUE(eventually([&] {
        log = gateway.access_log();
        return log.find("\"completion_tokens\":5") != npos;
    })) << log;
}

// U15: bytes after a complete response, or an answer nobody asked for on an idle pooled
// connection, are never read as the next request's response: that connection is dropped.
TEST(UpstreamPooling, ExtraOrUnsolicitedBytesAreNeverTheNextResponse) {
    const std::string fake = ScriptedUpstream::response(
        200, "application/json", R"({"id":"FAKE","object":"chat.completion","choices":[]})");
    ScriptedUpstream upstream([&](std::size_t index) {
        switch (index) {
            case 0: return Reply{ok_reply().bytes + fake, Then::keep_open};  // extra bytes
            case 2: return Reply{ok_reply().bytes, Then::keep_open, fake, std::chrono::milliseconds(50)};
            default: return ok_reply();
        }
    });
    TestGateway gateway(demo_config(upstream.url(), "", "  workers: 1"));
    for (int i = 0; i < 2; ++i) {
        const HttpResult result = chat(gateway.port());
        ASSERT_EQ(result.status, 200);
        EXPECT_EQ(result.body.find("FAKE"), npos) << i;
    }
    EXPECT_EQ(upstream.connections(), 2u);

    ASSERT_EQ(chat(gateway.port()).status, 200);  // request 2: then the unsolicited answer
    ASSERT_TRUE(eventually([&] { return upstream.laters_sent() == 1; }));
    const HttpResult after = chat(gateway.port());
    EXPECT_EQ(after.status, 200);
    EXPECT_EQ(after.body.find("FAKE"), npos);
    EXPECT_EQ(upstream.connections(), 3u);
    EXPECT_EQ(upstream.requests().size(), 4u);
}

// U2: the backend accepts no connection (its accept queue is full): 504 at the connect
// timeout, and the pool slot comes back (a second request is not stuck behind the first).
TEST(UpstreamConnect, ConnectTimeoutIs504AndReleasesTheSlot) {
    net::io_context io;
    tcp::acceptor full(io);
    full.open(tcp::v4());
    full.bind(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    full.listen(0);  // one queued connection fills it; further SYNs are dropped
    tcp::socket filler(io);
    filler.connect(full.local_endpoint());
    TestGateway gateway(demo_config("http://127.0.0.1:" + std::to_string(full.local_endpoint().port()),
                                    "    timeouts: { connect: 300ms }\n"
                                    "    pool: { max_connections: 1, acquire_timeout: 2s }",
                                    "  workers: 1"));
    for (int i = 0; i < 2; ++i) {
        const auto started = std::chrono::steady_clock::now();
        const HttpResult result = chat(gateway.port());
        EXPECT_EQ(result.status, 504) << result.body;
        EXPECT_EQ(error_of(result)["code"], "upstream_timeout");
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    }
    EXPECT_TRUE(metric_is(gateway, R"(infergate_upstream_errors_total{backend="mock",kind="connect_timeout"})", "2"));
    EXPECT_TRUE(metric_is(gateway, R"(infergate_upstream_connections{backend="mock",state="connecting"})", "0"));
    EXPECT_EQ(get(gateway.port(), "/healthz").status, 200);
}

}  // namespace
}  // namespace infergate::testing
