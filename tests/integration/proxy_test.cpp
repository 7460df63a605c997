// The data path end to end: a client on a real socket, the gateway, the mock model server.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;

class ProxyTest : public MockedGatewayTest {
protected:
    void SetUp() override { start(); }
};

std::string header_of(const llm_mock::RecordedRequest& request, const std::string& name) {
    for (const auto& [key, value] : request.headers) {
        if (beast::iequals(key, name)) return value;
    }
    return {};
}

TEST_F(ProxyTest, ChatCompletionRoundTripRenamesModelAndKeepsEverythingElse) {
    const std::string body =
        R"({"model":"demo","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"response_format":{"type":"json_object"},"logprobs":true,"vendor_ext":{"a":[1,2.5e3,null]}})";
    const HttpResult result = post_json(port(), "/v1/chat/completions", body,
                                        {{"authorization", std::string("Bearer ") + kClientCanary}});
    ASSERT_EQ(result.status, 200) << result.body;
    const json answer = json::parse(result.body);
    EXPECT_EQ(answer["object"], "chat.completion");
    EXPECT_EQ(answer["model"], "mock-model");
    EXPECT_EQ(answer["usage"]["completion_tokens"], 8);
    EXPECT_EQ(result.header("content-type"), "application/json");
    EXPECT_EQ(result.header("x-request-id").size(), 32u);

    const auto received = mock_->requests();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].target, "/v1/chat/completions");
    // The client's bytes, with only the model token replaced: unknown fields pass through.
    std::string expected = body;
    expected.replace(expected.find("\"demo\""), 6, "\"mock-model\"");
    EXPECT_EQ(received[0].body, expected);
    // The client's credential never goes upstream; the backend's own does.
    EXPECT_EQ(header_of(received[0], "authorization"), std::string("Bearer ") + kBackendCanary);
    EXPECT_EQ(header_of(received[0], "x-request-id"), result.header("x-request-id"));
}

// Bodies larger than the sockets' buffers, both ways. Writes hand the kernel what it takes at
// once and leave the rest to an asynchronous write (write_now, then async_write): that rest
// must follow in order, whole, also to a client that lets its buffers fill before it reads.
TEST_F(ProxyTest, BodiesLargerThanTheSocketBuffersArriveWholeBothWays) {
    const std::string body = R"({"model":"demo","messages":[{"role":"user","content":")" +
                             std::string(9 << 20, 'x') + R"("}]})";
    net::io_context io;
    tcp::socket socket(io);
    socket.open(tcp::v4());
    socket.set_option(net::socket_base::receive_buffer_size(64 * 1024));  // a slow reader's window
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
    net::write(socket, net::buffer(raw_post("/v1/chat/completions", body, "x-mock-chunks: 1000000\r\n")));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the answer piles up meanwhile
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    beast::error_code ec;
    http::read(socket, buffer, parser, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_EQ(parser.get().result_int(), 200u);
    const json answer = json::parse(parser.get().body());
    EXPECT_EQ(answer["usage"]["completion_tokens"], 1000000);
    EXPECT_GT(parser.get().body().size(), 6u << 20);

    std::string expected = body;
    expected.replace(expected.find("\"demo\""), 6, "\"mock-model\"");
    const auto received = mock_->requests();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_TRUE(received[0].body == expected) << "the upstream got " << received[0].body.size()
                                              << " bytes of the " << expected.size() << " expected";
}

TEST_F(ProxyTest, HopByHopAndCredentialHeadersStopAtTheGateway) {
    const HttpResult result = post_json(
        port(), "/v1/chat/completions", R"({"model":"demo","messages":[]})",
        {{"connection", "keep-alive, x-private-hop"}, {"x-private-hop", "1"}, {"te", "trailers"},
         {"keep-alive", "timeout=5"}, {"api-key", kClientCanary}, {"x-api-key", kClientCanary},
         {"cookie", "session=1"}, {"accept-encoding", "gzip"}, {"x-end-to-end", "kept"}});
    ASSERT_EQ(result.status, 200);
    const auto requests = mock_->requests();  // a copy: keep it alive while we look
    const auto& received = requests.at(0);
    for (const char* dropped : {"x-private-hop", "te", "keep-alive", "api-key", "x-api-key",
                                "cookie", "accept-encoding"}) {
        EXPECT_EQ(header_of(received, dropped), "") << dropped;
    }
    EXPECT_EQ(header_of(received, "x-end-to-end"), "kept");
    EXPECT_EQ(result.header("transfer-encoding"), "");
}

TEST_F(ProxyTest, ClientRequestIdIsKeptAndForwarded) {
    const HttpResult result =
        post_json(port(), "/v1/chat/completions", R"({"model":"demo","messages":[]})",
                  {{"x-request-id", "client-id-42"}});
    ASSERT_EQ(result.status, 200);
    EXPECT_EQ(result.header("x-request-id"), "client-id-42");
    EXPECT_EQ(header_of(mock_->requests().at(0), "x-request-id"), "client-id-42");
    EXPECT_TRUE(eventually([&] {
        return gateway_->access_log().find("\"request_id\":\"client-id-42\"") != std::string::npos;
    }));
}

TEST_F(ProxyTest, ModelWithoutRenameIsForwardedByteForByte) {
    const std::string body = R"({ "model" : "same-name", "messages": [ ] })";
    ASSERT_EQ(post_json(port(), "/v1/chat/completions", body).status, 200);
    EXPECT_EQ(mock_->requests().at(0).body, body);
}

TEST_F(ProxyTest, CompletionsAndEmbeddingsAreProxied) {
    const HttpResult completion =
        post_json(port(), "/v1/completions", R"({"model":"demo","prompt":"Say hi"})");
    ASSERT_EQ(completion.status, 200) << completion.body;
    EXPECT_EQ(json::parse(completion.body)["object"], "text_completion");

    const HttpResult embedding =
        post_json(port(), "/v1/embeddings", R"({"model":"demo","input":["a","b"]})");
    ASSERT_EQ(embedding.status, 200) << embedding.body;
    const json answer = json::parse(embedding.body);
    EXPECT_EQ(answer["data"].size(), 2u);
    EXPECT_EQ(mock_->requests().at(1).target, "/v1/embeddings");
}

TEST_F(ProxyTest, ModelsListsTheConfiguredPublicModels) {
    const HttpResult result = get(port(), "/v1/models");
    ASSERT_EQ(result.status, 200);
    const json list = json::parse(result.body);
    EXPECT_EQ(list["object"], "list");
    ASSERT_EQ(list["data"].size(), 2u);
    EXPECT_EQ(list["data"][0]["id"], "demo");
    EXPECT_EQ(list["data"][1]["id"], "same-name");
    EXPECT_TRUE(mock_->requests().empty());  // answered locally
}

TEST_F(ProxyTest, HealthAndReadiness) {
    EXPECT_EQ(get(port(), "/healthz").status, 200);
    EXPECT_EQ(get(port(), "/readyz").status, 200);
}

void expect_error(const HttpResult& result, unsigned status, const std::string& code) {
    EXPECT_EQ(result.status, status) << result.body;
    EXPECT_EQ(result.header("content-type"), "application/json");
    const json body = json::parse(result.body);
    ASSERT_TRUE(body.contains("error")) << result.body;
    EXPECT_EQ(body["error"]["code"], code) << result.body;
    EXPECT_TRUE(body["error"]["message"].is_string());
    EXPECT_TRUE(body["error"]["type"].is_string());
    EXPECT_TRUE(body["error"].contains("param"));
}

TEST_F(ProxyTest, UnknownPathIs404InOpenAIFormat) {
    expect_error(get(port(), "/v2/whatever"), 404, "unknown_url");
    expect_error(get(port(), "/v1/../metrics"), 404, "unknown_url");
}

TEST_F(ProxyTest, WrongMethodIs405) {
    expect_error(get(port(), "/v1/chat/completions"), 405, "method_not_allowed");
}

TEST_F(ProxyTest, UnknownModelIs404ModelNotFound) {
    expect_error(post_json(port(), "/v1/chat/completions", R"({"model":"nope","messages":[]})"),
                 404, "model_not_found");
    EXPECT_TRUE(mock_->requests().empty());
}

TEST_F(ProxyTest, MalformedJsonIs400) {
    expect_error(post_json(port(), "/v1/chat/completions", R"({"model":"demo",)"), 400,
                 "invalid_json");
    expect_error(post_json(port(), "/v1/chat/completions", "[1,2]"), 400, "invalid_json");
    expect_error(post_json(port(), "/v1/chat/completions", ""), 400, "invalid_json");
}

TEST_F(ProxyTest, MissingOrWrongModelIs400) {
    expect_error(post_json(port(), "/v1/chat/completions", R"({"messages":[]})"), 400,
                 "missing_required_parameter");
    expect_error(post_json(port(), "/v1/chat/completions", R"({"model":7,"messages":[]})"), 400,
                 "invalid_type");
    expect_error(post_json(port(), "/v1/chat/completions",
                           R"({"model":"demo","model":"other","messages":[]})"),
                 400, "duplicate_key");
    expect_error(post_json(port(), "/v1/chat/completions",
                           R"({"model":"demo","stream":"true","messages":[]})"),
                 400, "invalid_type");
    EXPECT_TRUE(mock_->requests().empty());
}

TEST_F(ProxyTest, NonJsonContentTypeIs415) {
    expect_error(post_json(port(), "/v1/chat/completions", R"({"model":"demo","messages":[]})",
                           {{"content-type", "text/plain"}}),
                 415, "unsupported_media_type");
}

TEST_F(ProxyTest, KeepAliveCarriesSeveralRequestsOnOneConnection) {
    const std::string body = R"({"model":"demo","messages":[]})";
    const std::string req =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    const std::string both = raw_exchange(port(), req + req, std::chrono::milliseconds(1500));
    std::size_t answers = 0;
    for (std::size_t pos = 0; (pos = both.find("HTTP/1.1 200 OK", pos)) != std::string::npos; ++pos) {
        ++answers;
    }
    EXPECT_EQ(answers, 2u) << both;
    EXPECT_EQ(mock_->requests().size(), 2u);
}

TEST_F(ProxyTest, EveryRequestIsInTheAccessLogWithoutSecrets) {
    post_json(port(), "/v1/chat/completions", R"({"model":"demo","messages":[]})",
              {{"authorization", std::string("Bearer ") + kClientCanary}});
    get(port(), "/nope");
    std::string log;
    // Each line is written after its response, by whichever worker served it: in any order.
    EXPECT_TRUE(eventually([&] {
        log = gateway_->access_log();
        return log.find("/nope") != std::string::npos &&
               log.find("\"model\":\"demo\",\"backend\":\"mock\",\"upstream_model\":\"mock-model\",\"status\":200") !=
                   std::string::npos;
    })) << log;
    EXPECT_NE(log.find("\"prompt_tokens\":"), std::string::npos);
    EXPECT_EQ(log.find("canary"), std::string::npos) << log;
}

}  // namespace
}  // namespace infergate::testing
