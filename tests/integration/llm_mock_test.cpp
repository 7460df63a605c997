// The bundled mock model server over real sockets: OpenAI shapes, streaming, per-request
// controls, faults, recording, connection accounting and HTTPS.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/net.hpp"
#include "mock_server.hpp"
#include "tls_cert.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace net = infergate::net;
namespace beast = infergate::beast;
namespace http = infergate::http;
namespace ssl = infergate::ssl;
using tcp = infergate::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr auto kIoTimeout = 3s;

const std::string kChat =
    R"({"model":"upstream-model-x","messages":[{"role":"system","content":"be brief"},)"
    R"({"role":"user","content":[{"type":"text","text":"hello world, hello"}]}]})";
const std::string kStream =
    R"({"model":"m","stream":true,"stream_options":{"include_usage":true},)"
    R"("messages":[{"role":"user","content":"hi"}]})";
const std::string kPlainStream = R"({"model":"m","stream":true,"messages":[]})";

template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 3000ms) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// Runs `io` until the operation started by `start` completes; cancels it after kIoTimeout.
template <class Stream, class Start>
beast::error_code run_op(net::io_context& io, Stream& stream, Start&& start) {
    std::optional<beast::error_code> result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run_for(kIoTimeout);
    if (!result) {
        beast::get_lowest_layer(stream).cancel();
        io.restart();
        io.run();
        return net::error::timed_out;
    }
    return *result;
}

struct Response {
    beast::error_code ec;  // transport or framing error; status/body may still be partial
    unsigned status = 0;
    Headers headers;
    std::string body;
    std::size_t body_chunks = 0;  // chunks of a chunked body

    std::string header(std::string_view name) const {
        for (const auto& [key, value] : headers)
            if (beast::iequals(key, name)) return value;
        return {};
    }
};

// "data: X\n\n" events of an SSE body -> the X strings.
std::vector<std::string> sse_data(const std::string& body) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const auto end = body.find("\n\n", pos);
        if (end == std::string::npos) break;
        const std::string event = body.substr(pos, end - pos);
        if (event.rfind("data: ", 0) == 0) out.push_back(event.substr(6));
        pos = end + 2;
    }
    return out;
}

// A plain-HTTP client on one keep-alive connection; every operation times out (kIoTimeout).
class Client {
public:
    explicit Client(std::uint16_t port) {
        const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
        const auto ec = run_op(io_, stream_, [&](auto handler) { stream_.async_connect(ep, handler); });
        EXPECT_FALSE(ec) << ec.message();
    }

    Response request(http::verb verb, const std::string& target, const std::string& body = {},
                     const Headers& extra = {}) {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "localhost");
        if (verb == http::verb::post) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
            req.prepare_payload();
        }
        for (const auto& [key, value] : extra) req.set(key, value);
        Response r;
        r.ec = run_op(io_, stream_, [&](auto handler) { http::async_write(stream_, req, handler); });
        if (r.ec) return r;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        auto count_chunk = [&r](std::uint64_t, beast::string_view, beast::error_code&) {
            ++r.body_chunks;
        };
        parser.on_chunk_header(count_chunk);
        r.ec = run_op(io_, stream_,
                      [&](auto handler) { http::async_read(stream_, buffer_, parser, handler); });
        if (parser.is_header_done()) {
            r.status = parser.get().result_int();
            for (const auto& field : parser.get())
                r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        r.body = parser.get().body();
        return r;
    }

    Response post(const std::string& target, const std::string& body, const Headers& extra = {}) {
        return request(http::verb::post, target, body, extra);
    }

    // Raw bytes out; at least `want` raw bytes in (or an error).
    beast::error_code send_raw(const std::string& bytes) {
        return run_op(io_, stream_, [&](auto handler) {
            net::async_write(stream_, net::buffer(bytes), handler);
        });
    }
    beast::error_code read_at_least(std::size_t want, std::string& into) {
        std::vector<char> chunk(want);
        return run_op(io_, stream_, [&](auto handler) {
            net::async_read(stream_, net::buffer(chunk), net::transfer_at_least(want),
                            [&into, &chunk, handler](beast::error_code ec, std::size_t n) mutable {
                                into.append(chunk.data(), n);
                                handler(ec, n);
                            });
        });
    }

    // Read whatever arrives within `limit`; timed_out if the peer stayed silent and open.
    beast::error_code read_for(std::chrono::milliseconds limit, std::string& into) {
        char chunk[4096];
        std::optional<beast::error_code> result;
        stream_.async_read_some(net::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
            into.append(chunk, n);
            result = ec;
        });
        io_.restart();
        io_.run_for(limit);
        if (result) return *result;
        beast::get_lowest_layer(stream_).cancel();
        io_.restart();
        io_.run();
        return net::error::timed_out;
    }

    void close() {
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).close(ignored);
    }

private:
    net::io_context io_;
    tcp::socket stream_{io_};
    beast::flat_buffer buffer_;
};

std::string request_bytes(const std::string& body, const std::string& extra_headers) {
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
           extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class LlmMock : public ::testing::Test {
protected:
    void SetUp() override { start({}); }
    void start(llm_mock::Options options) {
        mock_.reset();
        mock_ = std::make_unique<llm_mock::MockServer>(std::move(options));
        mock_->start();
    }
    std::uint16_t port() const { return mock_->port(); }

    std::unique_ptr<llm_mock::MockServer> mock_;
};

TEST_F(LlmMock, AnswersChatCompletionsEchoingTheRequestedModel) {
    Client client(port());
    const Response r = client.post("/v1/chat/completions", kChat);
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.header("content-type"), "application/json");
    const json answer = json::parse(r.body);
    EXPECT_EQ(answer["object"], "chat.completion");
    EXPECT_EQ(answer["model"], "upstream-model-x");
    EXPECT_EQ(answer["id"].get<std::string>().rfind("chatcmpl-mock-", 0), 0u);
    EXPECT_TRUE(answer["created"].is_number_integer());
    ASSERT_EQ(answer["choices"].size(), 1u);
    const json& choice = answer["choices"][0];
    EXPECT_EQ(choice["index"], 0);
    EXPECT_EQ(choice["message"]["role"], "assistant");
    EXPECT_EQ(choice["message"]["content"], "mock reply 1 2 3 4 5 6");
    EXPECT_TRUE(choice["message"]["refusal"].is_null());
    EXPECT_TRUE(choice["logprobs"].is_null());
    EXPECT_EQ(choice["finish_reason"], "stop");
    // "be brief" (8 bytes) + "hello world, hello" (18 bytes) = 26 bytes -> 6 tokens
    EXPECT_EQ(answer["usage"]["prompt_tokens"], 6);
    EXPECT_EQ(answer["usage"]["completion_tokens"], 8);
    EXPECT_EQ(answer["usage"]["total_tokens"], 14);

    // Keep-alive: the second request reuses the connection.
    const Response again = client.post("/v1/chat/completions", kChat, {{"x-mock-chunks", "2"}});
    ASSERT_FALSE(again.ec) << again.ec.message();
    EXPECT_EQ(json::parse(again.body)["choices"][0]["message"]["content"], "mock reply");
    EXPECT_NE(json::parse(again.body)["id"], answer["id"]);
    EXPECT_EQ(mock_->connections_accepted(), 1u);
    EXPECT_EQ(mock_->open_connections(), 1u);
}

TEST_F(LlmMock, StreamsChunksThenDoneWithAFinalUsageChunk) {
    Client client(port());
    const Response r = client.post("/v1/chat/completions", kStream, {{"x-mock-chunks", "3"}});
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.header("content-type"), "text/event-stream");
    EXPECT_EQ(r.header("transfer-encoding"), "chunked");
    const auto events = sse_data(r.body);
    ASSERT_EQ(events.size(), 1 + 3 + 1 + 1 + 1u);  // role, 3 words, finish, usage, [DONE]
    EXPECT_EQ(events.back(), "[DONE]");

    const json role = json::parse(events[0]);
    EXPECT_EQ(role["object"], "chat.completion.chunk");
    EXPECT_EQ(role["model"], "m");
    EXPECT_EQ(role["choices"][0]["delta"], json::parse(R"({"role":"assistant","content":""})"));
    std::string text;
    for (std::size_t i = 0; i + 2 < events.size(); ++i) {
        const json chunk = json::parse(events[i]);
        EXPECT_EQ(chunk["id"], role["id"]);
        EXPECT_TRUE(chunk.contains("usage") && chunk["usage"].is_null()) << events[i];
        ASSERT_EQ(chunk["choices"].size(), 1u);
        if (i >= 1 && i <= 3) {
            EXPECT_TRUE(chunk["choices"][0]["finish_reason"].is_null());
            text += chunk["choices"][0]["delta"]["content"].get<std::string>();
        }
    }
    EXPECT_EQ(text, "mock reply 1");
    const json finish = json::parse(events[4]);
    EXPECT_TRUE(finish["choices"][0]["delta"].empty());
    EXPECT_EQ(finish["choices"][0]["finish_reason"], "stop");
    const json usage = json::parse(events[5]);
    EXPECT_TRUE(usage["choices"].empty());
    EXPECT_EQ(usage["usage"]["completion_tokens"], 3);
    EXPECT_EQ(usage["usage"]["prompt_tokens"], 1);
    EXPECT_EQ(usage["usage"]["total_tokens"], 4);

    // Without include_usage there is no usage field and no usage chunk.
    const Response plain = client.post("/v1/chat/completions", kPlainStream, {{"x-mock-chunks", "2"}});
    const auto plain_events = sse_data(plain.body);
    ASSERT_EQ(plain_events.size(), 1 + 2 + 1 + 1u);
    EXPECT_FALSE(json::parse(plain_events[1]).contains("usage"));
}

TEST_F(LlmMock, PacesEventsWithTheRequestedDelays) {
    Client client(port());
    const auto started = std::chrono::steady_clock::now();
    const Response r = client.post("/v1/chat/completions", kPlainStream,
                                   {{"x-mock-chunks", "4"}, {"x-mock-delay-ms", "20"}, {"x-mock-ttft-ms", "50"}});
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(sse_data(r.body).size(), 1 + 4 + 1 + 1u);
    EXPECT_GE(elapsed, 50ms + 4 * 20ms);
    EXPECT_GE(r.body_chunks, 7u) << "each event is its own chunk";
}

TEST_F(LlmMock, MaxTokensShortensTheReplyWithFinishReasonLength) {
    Client client(port());
    const Response r = client.post("/v1/chat/completions",
                                   R"({"model":"m","max_tokens":3,"messages":[]})");
    const json answer = json::parse(r.body);
    EXPECT_EQ(answer["choices"][0]["message"]["content"], "mock reply 1");
    EXPECT_EQ(answer["choices"][0]["finish_reason"], "length");
    EXPECT_EQ(answer["usage"]["completion_tokens"], 3);
}

TEST_F(LlmMock, AnswersCompletionsEmbeddingsAndModels) {
    Client client(port());
    const json completion = json::parse(
        client.post("/v1/completions", R"({"model":"c","prompt":"Say hi to me"})").body);
    EXPECT_EQ(completion["object"], "text_completion");
    EXPECT_EQ(completion["model"], "c");
    EXPECT_EQ(completion["choices"][0]["text"], "mock reply 1 2 3 4 5 6");
    EXPECT_TRUE(completion["choices"][0]["logprobs"].is_null());
    EXPECT_EQ(completion["usage"]["prompt_tokens"], 3);

    const Response streamed = client.post("/v1/completions", R"({"model":"c","prompt":"x","stream":true})",
                                          {{"x-mock-chunks", "2"}});
    const auto events = sse_data(streamed.body);
    ASSERT_EQ(events.size(), 2 + 1 + 1u);
    EXPECT_EQ(json::parse(events[0])["object"], "text_completion");
    EXPECT_EQ(json::parse(events[1])["choices"][0]["text"], " reply");
    EXPECT_EQ(json::parse(events[2])["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(events[3], "[DONE]");

    const std::string embed_body = R"({"model":"e","input":["a","bb","a"]})";
    const json embedding = json::parse(client.post("/v1/embeddings", embed_body).body);
    EXPECT_EQ(embedding["object"], "list");
    EXPECT_EQ(embedding["model"], "e");
    ASSERT_EQ(embedding["data"].size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(embedding["data"][i]["object"], "embedding");
        EXPECT_EQ(embedding["data"][i]["index"], i);
        ASSERT_EQ(embedding["data"][i]["embedding"].size(), 8u);
        for (const auto& x : embedding["data"][i]["embedding"]) EXPECT_TRUE(x.is_number_float());
    }
    EXPECT_EQ(embedding["data"][0]["embedding"], embedding["data"][2]["embedding"]);
    EXPECT_NE(embedding["data"][0]["embedding"], embedding["data"][1]["embedding"]);
    EXPECT_EQ(embedding["usage"]["prompt_tokens"], embedding["usage"]["total_tokens"]);
    const json single = json::parse(client.post("/v1/embeddings", R"({"model":"e","input":"a"})").body);
    EXPECT_EQ(single["data"][0]["embedding"], embedding["data"][0]["embedding"]);

    const Response models = client.request(http::verb::get, "/v1/models");
    const json list = json::parse(models.body);
    EXPECT_EQ(list["object"], "list");
    ASSERT_EQ(list["data"].size(), 1u);
    EXPECT_EQ(list["data"][0]["id"], "mock-model");
    EXPECT_EQ(list["data"][0]["object"], "model");
    EXPECT_EQ(list["data"][0]["owned_by"], "llm-mock");
    EXPECT_TRUE(list["data"][0]["created"].is_number_integer());
}

void expect_openai_error(const Response& r, unsigned status, const std::string& type) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.header("content-type"), "application/json");
    const json body = json::parse(r.body);
    ASSERT_TRUE(body.contains("error")) << r.body;
    EXPECT_TRUE(body["error"]["message"].is_string());
    EXPECT_EQ(body["error"]["type"], type);
    EXPECT_TRUE(body["error"].contains("param"));
    EXPECT_TRUE(body["error"].contains("code"));
}

TEST_F(LlmMock, UnknownPathsAre404AndMalformedJsonIs400) {
    Client client(port());
    const Response missing = client.request(http::verb::get, "/v2/nothing");
    expect_openai_error(missing, 404, "invalid_request_error");
    EXPECT_EQ(json::parse(missing.body)["error"]["code"], "not_found");
    EXPECT_TRUE(json::parse(missing.body)["error"]["param"].is_null());
    expect_openai_error(client.request(http::verb::get, "/v1/chat/completions"), 404,
                        "invalid_request_error");
    expect_openai_error(client.post("/v1/chat/completions", R"({"model":"m",)"), 400,
                        "invalid_request_error");
    expect_openai_error(client.post("/v1/chat/completions", "[1]"), 400, "invalid_request_error");
    // still the same keep-alive connection
    EXPECT_EQ(client.request(http::verb::get, "/v1/models").status, 200u);
    EXPECT_EQ(mock_->connections_accepted(), 1u);
}

TEST_F(LlmMock, ReturnsTheRequestedErrorStatusWithAnOpenAIErrorBody) {
    Client client(port());
    expect_openai_error(client.post("/v1/chat/completions", kChat, {{"x-mock-status", "500"}}),
                        500, "server_error");
    const Response limited = client.post("/v1/chat/completions", kChat, {{"x-mock-status", "429"}});
    expect_openai_error(limited, 429, "rate_limit_exceeded");
    EXPECT_EQ(limited.header("retry-after"), "1");
    expect_openai_error(client.post("/v1/embeddings", "{}", {{"x-mock-status", "403"}}), 403,
                        "invalid_request_error");
    EXPECT_EQ(mock_->connections_accepted(), 1u);
}

TEST_F(LlmMock, DefaultStatusAnswersEveryRequestUnlessTheRequestSetsItsOwn) {
    llm_mock::Options options;
    options.status = 503;
    start(options);
    Client client(port());
    expect_openai_error(client.post("/v1/chat/completions", kChat), 503, "server_error");
    expect_openai_error(client.post("/v1/chat/completions", kChat, {{"x-mock-status", "429"}}), 429,
                        "rate_limit_exceeded");
    EXPECT_EQ(mock_->connections_accepted(), 1u);
}

TEST_F(LlmMock, DefaultFaultAppliesUnlessTheRequestNamesAnother) {
    llm_mock::Options options;
    options.fault = "reset-before-headers";
    start(options);
    Client client(port());
    EXPECT_EQ(client.post("/v1/chat/completions", kChat).ec, net::error::connection_reset);
    Client other(port());
    const Response healthy = other.post("/v1/chat/completions", kChat, {{"x-mock-fault", "none"}});
    ASSERT_FALSE(healthy.ec) << healthy.ec.message();
    EXPECT_EQ(healthy.status, 200u);

    options.fault = "no-such-fault";
    EXPECT_THROW(llm_mock::MockServer(options).start(), std::invalid_argument);
}

TEST_F(LlmMock, StatusForKeyAnswersOnlyThatBearerKey) {
    llm_mock::Options options;
    options.status_for_key["sk-revoked"] = 401;
    start(options);
    Client client(port());
    expect_openai_error(client.post("/v1/chat/completions", kChat, {{"Authorization", "Bearer sk-revoked"}}), 401,
                        "invalid_request_error");
    EXPECT_EQ(client.post("/v1/chat/completions", kChat, {{"Authorization", "Bearer sk-good"}}).status, 200u);
    EXPECT_EQ(client.post("/v1/chat/completions", kChat).status, 200u);
}

TEST_F(LlmMock, ResetBeforeHeadersIsAConnectionErrorForTheClient) {
    Client client(port());
    const Response r = client.post("/v1/chat/completions", kChat,
                                   {{"x-mock-fault", "reset-before-headers"}});
    EXPECT_EQ(r.ec, net::error::connection_reset) << r.ec.message();
    EXPECT_EQ(r.status, 0u);

    Client other(port());
    const Response closed = other.post("/v1/chat/completions", kChat,
                                       {{"x-mock-fault", "close-before-headers"}});
    EXPECT_EQ(closed.ec, http::error::end_of_stream) << closed.ec.message();
    EXPECT_EQ(mock_->aborted_responses(), 0u);  // deliberate: not the peer's doing
}

TEST_F(LlmMock, MidStreamFaultsCutTheStreamAfterTwoEvents) {
    struct Case {
        const char* fault;
        beast::error_code expected;
    };
    for (const Case& c : {Case{"reset-mid-stream", net::error::connection_reset},
                          Case{"close-mid-stream", http::error::partial_message},
                          Case{"truncate-stream", {}}}) {
        Client client(port());
        const Response r = client.post("/v1/chat/completions", kPlainStream, {{"x-mock-fault", c.fault}});
        EXPECT_EQ(r.ec, c.expected) << c.fault << ": " << r.ec.message();
        EXPECT_EQ(r.status, 200u) << c.fault;
        const auto events = sse_data(r.body);
        ASSERT_EQ(events.size(), 2u) << c.fault << ": " << r.body;
        EXPECT_EQ(json::parse(events[1])["choices"][0]["delta"]["content"], "mock") << c.fault;
    }
}

TEST_F(LlmMock, SplitEventsArriveInPiecesThatRejoinToTheSameEvents) {
    Client client(port());
    const Response whole = client.post("/v1/chat/completions", kPlainStream, {{"x-mock-chunks", "2"}});
    const Response split = client.post("/v1/chat/completions", kPlainStream,
                                       {{"x-mock-chunks", "2"}, {"x-mock-fault", "split-events"}});
    ASSERT_FALSE(split.ec) << split.ec.message();
    const auto events = sse_data(split.body);
    ASSERT_EQ(events.size(), 5u);
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_GE(split.body_chunks, 3 * events.size());
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        json a = json::parse(events[i]), b = json::parse(sse_data(whole.body)[i]);
        a.erase("id");
        b.erase("id");
        a.erase("created");
        b.erase("created");
        EXPECT_EQ(a, b);
    }
}

TEST_F(LlmMock, ShortBodyAndBrokenPayloadFaults) {
    {
        Client client(port());
        const Response r = client.post("/v1/chat/completions", kChat, {{"x-mock-fault", "short-body"}});
        EXPECT_EQ(r.ec, http::error::partial_message) << r.ec.message();
        EXPECT_EQ(r.status, 200u);
        EXPECT_LT(r.body.size(), std::stoul(r.header("content-length")));
    }
    Client client(port());
    const Response broken = client.post("/v1/chat/completions", kChat, {{"x-mock-fault", "invalid-json"}});
    EXPECT_EQ(broken.status, 200u);
    EXPECT_EQ(broken.header("content-type"), "application/json");
    EXPECT_EQ(broken.body, R"({"id": "broken)");
    const Response html = client.post("/v1/chat/completions", kChat, {{"x-mock-fault", "html"}});
    EXPECT_EQ(html.status, 200u);
    EXPECT_EQ(html.header("content-type"), "text/html");
    EXPECT_EQ(html.body, "<html>oops</html>");
}

TEST_F(LlmMock, RecordsRequestsAsReceived) {
    llm_mock::Options options;
    options.record = true;
    start(options);
    Client client(port());
    const std::string body = R"({"model":"m", "messages":[]})";
    ASSERT_FALSE(client.send_raw("POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: here\r\n"
                                 "X-Custom: One\r\nauthorization: Bearer k\r\nX-Custom: two\r\n"
                                 "x-mock-fault: reset-before-headers\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body));
    ASSERT_TRUE(eventually([&] { return mock_->requests().size() == 1; }));
    const auto recorded = mock_->requests();
    EXPECT_EQ(recorded[0].method, "POST");
    EXPECT_EQ(recorded[0].target, "/v1/chat/completions?x=1");
    EXPECT_EQ(recorded[0].body, body);
    const Headers expected = {{"Host", "here"},
                              {"X-Custom", "One"},
                              {"authorization", "Bearer k"},
                              {"X-Custom", "two"},
                              {"x-mock-fault", "reset-before-headers"},
                              {"Content-Length", std::to_string(body.size())}};
    EXPECT_EQ(recorded[0].headers, expected);
    mock_->clear_requests();
    EXPECT_TRUE(mock_->requests().empty());
}

TEST_F(LlmMock, CountsAnAbortedResponseWhenTheClientLeavesMidStream) {
    Client client(port());
    ASSERT_FALSE(client.send_raw(request_bytes(kPlainStream, "x-mock-chunks: 1000\r\nx-mock-delay-ms: 5\r\n")));
    std::string got;
    ASSERT_FALSE(client.read_at_least(300, got));
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_EQ(mock_->open_connections(), 1u);
    client.close();
    EXPECT_TRUE(eventually([&] { return mock_->aborted_responses() == 1; }));
    EXPECT_TRUE(eventually([&] { return mock_->open_connections() == 0; }));
}

TEST_F(LlmMock, HangNeverAnswersAndNoticesTheClientLeaving) {
    Client client(port());
    ASSERT_FALSE(client.send_raw(request_bytes(kChat, "x-mock-fault: hang\r\n")));
    ASSERT_TRUE(eventually([&] { return mock_->open_connections() == 1; }));
    std::string got;
    EXPECT_EQ(client.read_for(100ms, got), net::error::timed_out);  // no answer
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(mock_->aborted_responses(), 0u);
    client.close();
    EXPECT_TRUE(eventually([&] { return mock_->open_connections() == 0; }));
    EXPECT_EQ(mock_->aborted_responses(), 1u);
}

TEST_F(LlmMock, ClientLeavingDuringTheFirstByteDelayIsNoticedAtOnce) {
    Client client(port());
    ASSERT_FALSE(client.send_raw(request_bytes(kChat, "x-mock-ttft-ms: 5000\r\n")));
    std::this_thread::sleep_for(50ms);
    const auto closed_at = std::chrono::steady_clock::now();
    client.close();
    EXPECT_TRUE(eventually([&] { return mock_->aborted_responses() == 1; }));
    EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 2000ms);  // not the 5 s TTFT
}

TEST_F(LlmMock, StopClosesConnectionsItIsHoldingOpen) {
    Client client(port());
    ASSERT_FALSE(client.send_raw(request_bytes(kChat, "x-mock-fault: hang\r\n")));
    ASSERT_TRUE(eventually([&] { return mock_->open_connections() == 1; }));
    mock_->stop();
    EXPECT_EQ(mock_->open_connections(), 0u);
    std::string got;
    const auto ec = client.read_at_least(1, got);
    EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
    EXPECT_TRUE(got.empty());
}

TEST_F(LlmMock, ServesConnectionsOnSeveralThreads) {
    llm_mock::Options options;
    options.threads = 3;
    options.chunks = 2;
    start(options);
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int i = 0; i < 6; ++i) {
        clients.emplace_back([&] {
            Client client(port());
            for (int k = 0; k < 20; ++k) {
                const Response r = client.post("/v1/chat/completions", kChat);
                if (!r.ec && r.status == 200 &&
                    json::parse(r.body)["choices"][0]["message"]["content"] == "mock reply")
                    ++ok;
            }
        });
    }
    for (auto& t : clients) t.join();
    EXPECT_EQ(ok.load(), 6 * 20);
    EXPECT_EQ(mock_->connections_accepted(), 6u);
}

TEST(LlmMockTls, ServesHttpsWithASelfSignedCertificateThatClientsCanVerify) {
    const llm_mock::CertificatePair pair = llm_mock::generate_self_signed("localhost");
    ASSERT_EQ(pair.cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
    ASSERT_NE(pair.key_pem.find("PRIVATE KEY-----"), std::string::npos);
    llm_mock::Options options;
    options.tls_cert_pem = pair.cert_pem;
    options.tls_key_pem = pair.key_pem;
    llm_mock::MockServer mock(options);
    mock.start();

    ssl::context trusting(ssl::context::tls_client);
    trusting.add_certificate_authority(net::buffer(pair.cert_pem));
    trusting.set_verify_mode(ssl::verify_peer);

    // By name (SNI "localhost") and by the IP address in the subjectAltName.
    for (const std::string host : {"localhost", "127.0.0.1"}) {
        net::io_context io;
        ssl::stream<tcp::socket> stream(io, trusting);
        if (host == "localhost") SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
        stream.set_verify_callback(ssl::host_name_verification(host));
        const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), mock.port());
        ASSERT_FALSE(run_op(io, stream, [&](auto h) { stream.next_layer().async_connect(ep, h); }));
        const auto hs = run_op(io, stream, [&](auto h) {
            stream.async_handshake(ssl::stream_base::client, h);
        });
        ASSERT_FALSE(hs) << host << ": " << hs.message();
        http::request<http::string_body> req{http::verb::get, "/v1/models", 11};
        req.set(http::field::host, host);
        ASSERT_FALSE(run_op(io, stream, [&](auto h) { http::async_write(stream, req, h); }));
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        ASSERT_FALSE(run_op(io, stream, [&](auto h) { http::async_read(stream, buffer, res, h); }));
        EXPECT_EQ(res.result_int(), 200u);
        EXPECT_EQ(json::parse(res.body())["data"][0]["id"], "mock-model");
    }

    // A client that does not trust the certificate (or expects another name) fails.
    for (const bool trust : {false, true}) {
        ssl::context ctx(ssl::context::tls_client);
        if (trust) ctx.add_certificate_authority(net::buffer(pair.cert_pem));
        ctx.set_verify_mode(ssl::verify_peer);
        net::io_context io;
        ssl::stream<tcp::socket> stream(io, ctx);
        stream.set_verify_callback(ssl::host_name_verification("other.example"));
        const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), mock.port());
        ASSERT_FALSE(run_op(io, stream, [&](auto h) { stream.next_layer().async_connect(ep, h); }));
        EXPECT_TRUE(run_op(io, stream, [&](auto h) {
            stream.async_handshake(ssl::stream_base::client, h);
        }));
    }
}

}  // namespace
