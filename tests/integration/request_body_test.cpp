// Hostile OpenAI-style request bodies through a real socket (catalogue §3.3 J1–J10): each is
// refused with its status, error code and param in the one error shape before anything goes
// upstream; fields that would pick the upstream or its credential never do.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"
#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/scripted_upstream.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;
constexpr auto npos = std::string::npos;

struct BodyCase {
    const char* row;
    std::string body;
    unsigned status = 400;
    std::string code;
    std::string param;  // empty: null
    std::string content_type = "application/json";
};

const std::string kMessages = R"("messages":[{"role":"user","content":"hi"}])";
std::string chat_with(const std::string& fields) {
    return R"({"model":"demo",)" + kMessages + (fields.empty() ? "" : "," + fields) + "}";
}
std::string content(const std::string& raw) {
    return R"({"model":"demo","messages":[{"role":"user","content":")" + raw + R"("}]})";
}

// clang-format off
std::vector<BodyCase> body_cases() {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    return {
        {"J1 truncated", R"({"model":"demo",)", 400, "invalid_json"},
        {"J1 trailing garbage", chat_with("") + "x", 400, "invalid_json"},
        {"J1 two objects", chat_with("") + chat_with(""), 400, "invalid_json"},
        {"J1 NaN", chat_with(R"("temperature":NaN)"), 400, "invalid_json"},
        {"J1 comment", chat_with("") + "/* c */", 400, "invalid_json"},
        {"J1 single quotes", "{'model':'demo'}", 400, "invalid_json"},
        {"J1 empty body", "", 400, "invalid_json"},
        {"J2 100 000-deep nesting", chat_with(R"("x":)" + deep), 400, "invalid_json"},
        {"J3 overlong UTF-8", content("\xc0\xaf"), 400, "invalid_json"},
        {"J3 invalid byte", content("\xff"), 400, "invalid_json"},
        {"J3 UTF-8 surrogate", content("\xed\xa0\x80"), 400, "invalid_json"},
        {"J3 lone escaped surrogate", content("\\ud800"), 400, "invalid_json"},
        {"J4 max_tokens 1e400", chat_with(R"("max_tokens":1e400)"), 400, "invalid_value", "max_tokens"},
        {"J4 max_tokens 2^64", chat_with(R"("max_tokens":18446744073709551616)"), 400, "invalid_value", "max_tokens"},
        {"J4 max_tokens -1", chat_with(R"("max_tokens":-1)"), 400, "invalid_value", "max_tokens"},
        {"J4 max_tokens 1.5", chat_with(R"("max_tokens":1.5)"), 400, "invalid_value", "max_tokens"},
        {"J4 max_tokens \"100\"", chat_with(R"("max_tokens":"100")"), 400, "invalid_type", "max_tokens"},
        {"J5 stream \"true\"", chat_with(R"("stream":"true")"), 400, "invalid_type", "stream"},
        {"J5 model 123", R"({"model":123,)" + kMessages + "}", 400, "invalid_type", "model"},
        {"J5 messages {}", R"({"model":"demo","messages":{}})", 400, "invalid_type", "messages"},
        {"J5 top-level array", "[" + chat_with("") + "]", 400, "invalid_json"},
        {"J5 top-level string", R"("demo")", 400, "invalid_json"},
        {"J5 top-level number", "42", 400, "invalid_json"},
        {"J6 model twice", R"({"model":"demo","model":"same-name",)" + kMessages + "}", 400, "duplicate_key", "model"},
        {"J6 model twice, escaped", R"({"model":"demo","mod\u0065l":"same-name",)" + kMessages + "}", 400,
         "duplicate_key", "model"},
        {"J6 stream twice", chat_with(R"("stream":false,"stream":true)"), 400, "duplicate_key", "stream"},
        {"J9 text/plain", chat_with(""), 415, "unsupported_media_type", "", "text/plain"},
        {"J9 multipart, 10 KB boundary", chat_with(""), 415, "unsupported_media_type", "",
         "multipart/form-data; boundary=" + std::string(10000, 'b')},
    };
}
// clang-format on

class RequestBodyTest : public MockedGatewayTest {
protected:
    void SetUp() override { start(); }
};

void expect_error_shape(const HttpResult& result, unsigned status, const std::string& code,
                        const std::string& param) {
    EXPECT_EQ(result.status, status) << result.body.substr(0, 300);
    EXPECT_EQ(result.header("content-type"), "application/json");
    const json body = json::parse(result.body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body.contains("error")) << result.body.substr(0, 300);
    const json& error = body["error"];
    EXPECT_EQ(error["code"], code) << result.body.substr(0, 300);
    EXPECT_EQ(error["type"], "invalid_request_error");
    EXPECT_TRUE(error["message"].is_string());
    if (param.empty()) {
        EXPECT_TRUE(error.contains("param") && error["param"].is_null()) << result.body;
    } else {
        EXPECT_EQ(error["param"], param);
    }
}

TEST_F(RequestBodyTest, EachHostileBodyIsRefusedBeforeTheUpstream) {
    for (const BodyCase& c : body_cases()) {
        SCOPED_TRACE(c.row);
        const auto started = std::chrono::steady_clock::now();
        const HttpResult result = post_json(port(), "/v1/chat/completions", c.body,
                                            {{"content-type", c.content_type}});
        expect_error_shape(result, c.status, c.code, c.param);
        EXPECT_LT(result.body.size(), 512u);  // an error is no echo service
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
    }
    EXPECT_TRUE(mock_->requests().empty());
    // §3.0: still serving, and the refusals were counted as requests without a model.
    EXPECT_EQ(post_json(port(), "/v1/chat/completions", chat_with("")).status, 200);
    EXPECT_TRUE(eventually([&] {
        return get(port(), "/metrics").body.find(
                   R"(infergate_requests_total{backend="none",code="400",model="none"} )") != npos;
    }));
}

// J8: fields that pick an upstream or a credential (LiteLLM's api_base SSRF, CVE-2024-6587),
// at the top level or nested in extra_body / metadata, are refused; an SSRF canary listening
// where they point receives nothing, and the configured backend receives nothing either.
TEST_F(RequestBodyTest, RoutingOverrideFieldsAreRefusedAndNeverFollowed) {
    ScriptedUpstream canary(ScriptedUpstream::Reply{});
    const std::string there = "\"" + canary.url() + "\"";
    const std::vector<std::pair<std::string, std::string>> overrides = {
        {R"("api_base":)" + there, "api_base"},
        {R"("base_url":)" + there, "base_url"},
        {R"("api_key":")" + std::string(kClientCanary) + "\"", "api_key"},
        {R"("azure_endpoint":)" + there, "azure_endpoint"},
        {R"("API_BASE":)" + there, "API_BASE"},
        {R"("api\u005fbase":)" + there, "api_base"},
        {R"("extra_body":{"api_base":)" + there + "}", "extra_body"},
        {R"("extra_body":{"litellm_params":[{"base_url":)" + there + "}]}", "extra_body"},
        {R"("metadata":{"user":"u1","api_key":")" + std::string(kClientCanary) + "\"}", "metadata"},
    };
    for (const auto& [fields, param] : overrides) {
        SCOPED_TRACE(fields);
        const HttpResult result = post_json(port(), "/v1/chat/completions", chat_with(fields));
        expect_error_shape(result, 400, "unsupported_parameter", param);
        EXPECT_EQ(result.body.find(kClientCanary), npos);
        EXPECT_EQ(result.body.find(canary.url()), npos);
    }
    EXPECT_EQ(canary.connections(), 0u);
    EXPECT_TRUE(mock_->requests().empty());

    // The same words as values, or as keys where they name the caller's own data (a tool's
    // parameter schema), are not overrides: the request goes to the configured backend, as sent.
    const std::string harmless = chat_with(
        R"("user":"api_base","tools":[{"type":"function","function":{"name":"deploy","parameters":)"
        R"({"type":"object","properties":{"base_url":{"type":"string"},"api_key":{"type":"string"}}}}}])");
    ASSERT_EQ(post_json(port(), "/v1/chat/completions", harmless).status, 200);
    const auto received = mock_->requests();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_NE(received[0].body.find(R"("base_url":{"type":"string"})"), npos);
    EXPECT_EQ(canary.connections(), 0u);
}

// J10: what a request may make the model generate is reserved before dispatch, n choices of
// max_tokens each (or of quota.default_max_tokens), so a per-key limit refuses a huge request
// instead of paying for it afterwards; absurd values cannot overflow the reservation.
TEST(RequestBodyLimits, HugeNOrMaxTokensIsRefusedByTheKeysLimitsBeforeDispatch) {
    llm_mock::Options options;
    options.record = true;
    llm_mock::MockServer mock(options);
    mock.start();
    const std::string key = "sk-ig-app-" + std::string(kClientCanary);
    TestGateway gateway(
        "server: { listen: \"127.0.0.1:0\", workers: 1 }\n"
        "log: { level: warn, access_log: { format: json } }\n"
        "backends:\n  mock: { url: \"http://127.0.0.1:" + std::to_string(mock.port()) + "\" }\n"
        "models:\n  demo:\n    targets: [ { backend: mock, model: mock-model } ]\n"
        "    pricing: { input_per_1m: 0, output_per_1m: 10 }\n"
        "quota: { default_max_tokens: 1024 }\n"
        "auth:\n  keys:\n    - { id: app, sha256: \"" + auth::to_hex(auth::sha256_of(key)) +
        "\", limits: { tokens_per_minute: 100000, budget_usd_per_day: 1 } }\n");
    auto chat = [&](const std::string& fields) {
        return post_json(gateway.port(), "/v1/chat/completions", chat_with(fields),
                         {{"authorization", "Bearer " + key}});
    };
    for (const std::string fields : {R"("max_tokens":1000000000)", R"("n":1000,"max_tokens":1000)",
                                     R"("n":1000)", R"("n":128,"max_completion_tokens":1000)"}) {
        SCOPED_TRACE(fields);
        const HttpResult refused = chat(fields);
        EXPECT_EQ(refused.status, 429) << refused.body;
        EXPECT_EQ(json::parse(refused.body)["error"]["code"], "rate_limit_exceeded");
    }
    // Past what any limit could hold: still a refusal, never an overflow into a small number.
    for (const std::string fields : {R"("max_tokens":9223372036854775807)",
                                     R"("n":9223372036854775807,"max_tokens":9223372036854775807)"}) {
        SCOPED_TRACE(fields);
        EXPECT_EQ(chat(fields).status, 429);
    }
    for (const std::string bad : {R"("n":0)", R"("n":"2")", R"("n":1.5)", R"("n":-1)"}) {
        SCOPED_TRACE(bad);
        const HttpResult refused = chat(bad);
        EXPECT_EQ(refused.status, 400);
        EXPECT_EQ(json::parse(refused.body)["error"]["param"], "n");
    }
    EXPECT_TRUE(mock.requests().empty());
    EXPECT_EQ(chat(R"("n":2,"max_tokens":100)").status, 200);
    EXPECT_EQ(mock.requests().size(), 1u);
}

}  // namespace
}  // namespace infergate::testing
