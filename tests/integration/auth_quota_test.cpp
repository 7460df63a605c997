// Auth and quota through real sockets: 401/404/429, the rate-limit headers, tenants sharing a
// limit, concurrency against a slow upstream, budgets, shadow mode, stream usage handling.
#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"
#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

const std::string kAlice = "sk-ig-alice-" + std::string(kClientCanary);
const std::string kBob = "sk-ig-bob-Bobsecret0123456789";
const std::string kCarol = "sk-ig-carol-Carolsecret0123456789";

std::string hash(const std::string& key) { return auth::to_hex(auth::sha256_of(key)); }

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

const char* kChat = R"({"model":"demo","messages":[{"role":"user","content":"hello"}]})";

class AuthQuotaTest : public ::testing::Test {
protected:
    void start(const std::string& access_yaml) {
        llm_mock::Options options;
        options.record = true;
        mock_ = std::make_unique<llm_mock::MockServer>(options);
        mock_->start();
        gateway_ = std::make_unique<TestGateway>(
            demo_config("http://127.0.0.1:" + std::to_string(mock_->port())) + access_yaml);
    }
    HttpResult chat(const std::string& key, const char* body = kChat, Headers extra = {}) {
        Headers headers = bearer(key);
        headers.insert(headers.end(), extra.begin(), extra.end());
        return post_json(gateway_->port(), "/v1/chat/completions", body, headers);
    }
    static std::string error_code(const HttpResult& result) {
        return nlohmann::json::parse(result.body)["error"]["code"].get<std::string>();
    }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::unique_ptr<TestGateway> gateway_;
};

std::string keys_yaml(const std::string& alice_extra = "", const std::string& tenants = "") {
    return tenants + "auth:\n  keys:\n"
           "    - { id: alice, sha256: \"" + hash(kAlice) + "\", models: [demo]" + alice_extra + " }\n"
           "    - { id: bob, sha256: \"" + hash(kBob) + "\", enabled: false }\n"
           "    - { id: carol, sha256: \"" + hash(kCarol) + "\", expires: \"2020-01-01T00:00:00Z\" }\n";
}

TEST_F(AuthQuotaTest, KeysAreRequiredAndCheckedWithoutEchoingThem) {
    start(keys_yaml());
    const auto missing = post_json(gateway_->port(), "/v1/chat/completions", kChat);
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(error_code(missing), "invalid_api_key");
    EXPECT_EQ(missing.header("www-authenticate"), "Bearer");

    const auto wrong = chat("sk-ig-alice-not-the-secret-" + std::string(kClientCanary));
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.body.find(kClientCanary), std::string::npos);
    EXPECT_EQ(chat(kBob).status, 401);    // disabled
    EXPECT_EQ(chat(kCarol).status, 401);  // expired
    EXPECT_EQ(post_json(gateway_->port(), "/v1/chat/completions", kChat, {{"Authorization", "Basic " + kAlice}}).status, 401);

    EXPECT_EQ(chat(kAlice).status, 200);
    // The headers Azure OpenAI and Anthropic SDKs send work too.
    EXPECT_EQ(post_json(gateway_->port(), "/v1/chat/completions", kChat, {{"api-key", kAlice}}).status, 200);
    EXPECT_EQ(post_json(gateway_->port(), "/v1/chat/completions", kChat, {{"x-api-key", kAlice}}).status, 200);
    // Nothing but the three authenticated requests reached the upstream.
    EXPECT_EQ(mock_->requests().size(), 3u);

    // Requests are logged after their response is written: the client can be faster.
    std::string log;
    EXPECT_TRUE(eventually([&] {
        log = gateway_->access_log();
        return log.find(R"("key_id":"alice")") != std::string::npos;
    }));
    EXPECT_EQ(log.find(kClientCanary), std::string::npos);
    const auto metrics = get(gateway_->port(), "/metrics").body;
    EXPECT_EQ(metrics.find(kClientCanary), std::string::npos);
}

TEST_F(AuthQuotaTest, AnAddressThatKeepsGuessingIsRefusedEvenWithTheRightKey) {
    // Catalogue A2: 200 wrong keys from one address get 401 up to the allowance, then 429.
    start(keys_yaml() + "  max_failures_per_minute: 10\n");
    const std::string guess = "sk-ig-alice-guess-" + std::string(kClientCanary);
    int unauthorized = 0, refused = 0;
    for (int i = 0; i < 200; ++i) {
        const auto answer = chat(guess);
        if (answer.status == 401) ++unauthorized;
        if (answer.status == 429) {
            ++refused;
            EXPECT_EQ(error_code(answer), "rate_limit_exceeded");
            EXPECT_GE(std::stoi(answer.header("retry-after")), 1);
        }
    }
    EXPECT_EQ(unauthorized, 10);
    EXPECT_EQ(refused, 190);
    // While blocked, even the right key is refused (else the guesser would learn it guessed
    // right), and so is the model list.
    EXPECT_EQ(chat(kAlice).status, 429);
    EXPECT_EQ(request(gateway_->port(), http::verb::get, "/v1/models", "", bearer(kAlice)).status, 429);
    EXPECT_TRUE(mock_->requests().empty());
    EXPECT_EQ(get(gateway_->port(), "/healthz").status, 200);  // still serving

    // The log tells the guesser's attempts apart by a short fingerprint, never the key.
    const std::string fingerprint = auth::to_hex(auth::sha256_of(guess)).substr(0, 8);
    std::string log;
    EXPECT_TRUE(eventually([&] {
        log = gateway_->access_log();
        return log.find(R"("key_fp":")" + fingerprint + '"') != std::string::npos;
    }));
    EXPECT_EQ(log.find(kClientCanary), std::string::npos);
}

TEST_F(AuthQuotaTest, AKeySeesAndCallsOnlyItsModels) {
    start(keys_yaml());
    const auto other = chat(kAlice, R"({"model":"same-name","messages":[]})");
    EXPECT_EQ(other.status, 404);
    EXPECT_EQ(error_code(other), "model_not_found");

    const auto models = request(gateway_->port(), http::verb::get, "/v1/models", "", bearer(kAlice));
    ASSERT_EQ(models.status, 200);
    const auto listed = nlohmann::json::parse(models.body)["data"];
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0]["id"], "demo");
    EXPECT_EQ(get(gateway_->port(), "/v1/models").status, 401);
}

TEST_F(AuthQuotaTest, RequestsPerMinuteRefuseWithHeadersAndRetryAfter) {
    start(keys_yaml(", limits: { requests_per_minute: 2 }"));
    const auto first = chat(kAlice);
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(first.header("x-ratelimit-limit-requests"), "2");
    EXPECT_EQ(first.header("x-ratelimit-remaining-requests"), "1");
    EXPECT_FALSE(first.header("x-ratelimit-reset-requests").empty());
    ASSERT_EQ(chat(kAlice).status, 200);

    const auto refused = chat(kAlice);
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(error_code(refused), "rate_limit_exceeded");
    EXPECT_EQ(refused.header("x-ratelimit-remaining-requests"), "0");
    EXPECT_GE(std::stoi(refused.header("retry-after")), 1);
    const std::string message = nlohmann::json::parse(refused.body)["error"]["message"];
    EXPECT_NE(message.find("key 'alice'"), std::string::npos) << message;
    EXPECT_NE(message.find("requests per minute"), std::string::npos) << message;
    EXPECT_EQ(mock_->requests().size(), 2u);  // the refused request never went upstream
}

TEST_F(AuthQuotaTest, TenantLimitsAreSharedByItsKeys) {
    const std::string tenants = "tenants:\n  team: { limits: { requests_per_minute: 2 } }\n";
    start(tenants + "auth:\n  keys:\n"
          "    - { id: alice, sha256: \"" + hash(kAlice) + "\", tenant: team }\n"
          "    - { id: bob, sha256: \"" + hash(kBob) + "\", tenant: team }\n");
    EXPECT_EQ(chat(kAlice).status, 200);
    EXPECT_EQ(chat(kBob).status, 200);
    const auto refused = chat(kAlice);
    EXPECT_EQ(refused.status, 429);
    const std::string message = nlohmann::json::parse(refused.body)["error"]["message"];
    EXPECT_NE(message.find("tenant 'team'"), std::string::npos) << message;
    EXPECT_TRUE(eventually([&] { return gateway_->access_log().find(R"("tenant":"team")") != std::string::npos; }));
}

TEST_F(AuthQuotaTest, ConcurrencyLimitHoldsWhileASlowRequestIsInFlight) {
    start(keys_yaml(", limits: { concurrency: 1 }"));
    std::thread slow([&] { EXPECT_EQ(chat(kAlice, kChat, {{"x-mock-ttft-ms", "600"}}).status, 200); });
    ASSERT_TRUE(eventually([&] { return mock_->requests().size() == 1; }));
    const auto refused = chat(kAlice);
    EXPECT_EQ(refused.status, 429);
    EXPECT_NE(refused.body.find("concurrent requests"), std::string::npos);
    slow.join();
    // The slot comes back when the request is settled, just after its response was written.
    EXPECT_TRUE(eventually([&] { return chat(kAlice).status == 200; }));
}

std::string priced_config(std::uint16_t mock_port, const std::string& limits) {
    return "server: { listen: \"127.0.0.1:0\", workers: 2 }\n"
           "log: { level: warn, access_log: { format: json } }\n"
           "backends:\n  mock: { url: \"http://127.0.0.1:" + std::to_string(mock_port) + "\", provider: openai }\n"
           "models:\n  demo:\n    targets: [ { backend: mock, model: mock-model } ]\n"
           "    pricing: { input_per_1m: 0, output_per_1m: 1000 }\n"
           "quota: { default_max_tokens: 10, time_zone: Europe/Berlin }\n"
           "auth:\n  keys:\n    - { id: alice, sha256: \"" + hash(kAlice) + "\", limits: " + limits + " }\n";
}

TEST_F(AuthQuotaTest, BudgetReservesPessimisticallyAndSettlesToUsage) {
    // Output at $1000 per 1M tokens = $0.001 a token; 10 tokens reserved per request ($0.01).
    // The mock answers 8 completion tokens ($0.008): 2 requests fit $0.02, a third does not.
    mock_ = std::make_unique<llm_mock::MockServer>(llm_mock::Options{});
    mock_->start();
    gateway_ = std::make_unique<TestGateway>(priced_config(mock_->port(), "{ budget_usd_per_day: 0.02 }"));
    const char* body = R"({"model":"demo","messages":[{"role":"user","content":"one two three four five six seven eight"}]})";
    const auto first = chat(kAlice, body);
    ASSERT_EQ(first.status, 200);
    ASSERT_EQ(nlohmann::json::parse(first.body)["usage"]["completion_tokens"], 8);
    EXPECT_EQ(chat(kAlice, body).status, 200);
    const auto refused = chat(kAlice, body);
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(error_code(refused), "insufficient_quota");
    EXPECT_NE(refused.body.find("USD budget per day"), std::string::npos);
    // Spend per key is exported: 2 x 8 tokens x $0.001.
    EXPECT_TRUE(eventually([&] {
        return get(gateway_->port(), "/metrics").body.find(
                   R"(infergate_key_spend_usd_total{key="alice",tenant=""} 0.016)") != std::string::npos;
    }));
}

TEST_F(AuthQuotaTest, ConcurrentRequestsCannotOverspendABudget) {
    mock_ = std::make_unique<llm_mock::MockServer>(llm_mock::Options{});
    mock_->start();
    // $0.01 reserved per request against $0.05: exactly 5 of 20 simultaneous requests fit.
    gateway_ = std::make_unique<TestGateway>(priced_config(mock_->port(), "{ budget_usd_per_day: 0.05 }"));
    std::atomic<int> admitted{0}, refused{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 20; ++i) {
        clients.emplace_back([&] {
            const auto result = chat(kAlice, kChat, {{"x-mock-ttft-ms", "300"}});
            (result.status == 200 ? admitted : refused)++;
        });
    }
    for (auto& client : clients) client.join();
    EXPECT_EQ(admitted.load(), 5);
    EXPECT_EQ(refused.load(), 15);
}

TEST_F(AuthQuotaTest, ShadowModeCountsButNeverRefuses) {
    start(keys_yaml(", limits: { requests_per_minute: 1, mode: shadow }"));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(chat(kAlice).status, 200);
    EXPECT_TRUE(eventually([&] {
        return get(gateway_->port(), "/metrics").body.find(
                   R"(infergate_quota_rejections_total{limit="requests_per_minute",mode="shadow",scope="key"} 2)") !=
               std::string::npos;
    }));
}

TEST_F(AuthQuotaTest, StreamUsageIsRequestedUpstreamAndHiddenFromClientsThatDidNotAsk) {
    start(keys_yaml(", limits: { tokens_per_minute: 100000 }"));
    const auto plain = chat(kAlice, R"({"model":"demo","stream":true,"messages":[]})", {{"x-mock-chunks", "3"}});
    ASSERT_EQ(plain.status, 200);
    for (const std::string& data : sse_data(plain.body)) {
        EXPECT_EQ(data.find("\"usage\":{"), std::string::npos) << data;
    }
    EXPECT_EQ(sse_data(plain.body).back(), "[DONE]");
    ASSERT_FALSE(mock_->requests().empty());
    EXPECT_NE(mock_->requests().back().body.find(R"("include_usage":true)"), std::string::npos);
    // The member goes in after the (renamed) model; the client's other bytes are unchanged.
    EXPECT_EQ(mock_->requests().back().body,
              R"({"model":"mock-model","stream_options":{"include_usage":true},"stream":true,"messages":[]})");
    // The OpenAI SDKs put the model after the messages: the same splice, wherever it falls.
    ASSERT_EQ(chat(kAlice, R"({"messages":[{"role":"user","content":"a \"model\": b"}], "model" : "demo" ,"stream":true})",
                   {{"x-mock-chunks", "2"}}).status, 200);
    EXPECT_EQ(mock_->requests().back().body,
              R"({"messages":[{"role":"user","content":"a \"model\": b"}], "model" : "mock-model","stream_options":{"include_usage":true} ,"stream":true})");
    ASSERT_EQ(chat(kAlice, R"({"messages":[],"model":"demo","n":1})").status, 200);
    EXPECT_EQ(mock_->requests().back().body, R"({"messages":[],"model":"mock-model","n":1})");

    const auto asked = chat(kAlice, R"({"model":"demo","stream":true,"stream_options":{"include_usage":true},"messages":[]})",
                            {{"x-mock-chunks", "3"}});
    bool usage_seen = false;
    for (const std::string& data : sse_data(asked.body)) usage_seen |= data.find("\"usage\":{") != std::string::npos;
    EXPECT_TRUE(usage_seen);
}

TEST_F(AuthQuotaTest, UsageEndpointShowsTheCallersOwnLimitsWithoutSpendingThem) {
    const std::string tenants = "tenants:\n  team: { limits: { requests_per_minute: 5 } }\n";
    start(tenants + "auth:\n  keys:\n"
          "    - { id: alice, sha256: \"" + hash(kAlice) + "\", tenant: team, limits: { requests_per_minute: 3,"
          " models: { demo: { tokens_per_day: 100000 } } } }\n"
          "    - { id: bob, sha256: \"" + hash(kBob) + "\", tenant: team }\n");
    ASSERT_EQ(chat(kAlice).status, 200);
    ASSERT_EQ(chat(kBob).status, 200);
    auto usage_of = [&](const std::string& key) {
        const auto answer = request(gateway_->port(), http::verb::get, "/v1/usage", "", bearer(key));
        EXPECT_EQ(answer.status, 200) << answer.body;
        return nlohmann::json::parse(answer.body);
    };
    auto find = [](const nlohmann::json& usage, const std::string& scope, const std::string& limit) {
        for (const auto& entry : usage["limits"]) {
            if (entry["scope"] == scope && entry["limit"] == limit) return entry;
        }
        return nlohmann::json();
    };
    const auto alice = usage_of(kAlice);
    EXPECT_EQ(alice["key_id"], "alice");
    EXPECT_EQ(alice["tenant"], "team");
    const auto own = find(alice, "key", "requests_per_minute");
    EXPECT_EQ(own["max"], 3);
    EXPECT_EQ(own["used"], 1);
    EXPECT_EQ(own["remaining"], 2);
    const auto shared = find(alice, "tenant", "requests_per_minute");
    EXPECT_EQ(shared["used"], 2);  // alice's and bob's requests
    EXPECT_EQ(shared["remaining"], 3);
    const auto per_model = find(alice, "key", "tokens_per_day");
    EXPECT_EQ(per_model["model"], "demo");
    EXPECT_GT(per_model["used"].get<int>(), 0);
    // Reading the report is not a request against the limits.
    EXPECT_EQ(find(usage_of(kAlice), "key", "requests_per_minute")["used"], 1);
    // Bob sees his own (no key limits) and the tenant's; nobody else's.
    const auto bob = usage_of(kBob);
    EXPECT_TRUE(find(bob, "key", "requests_per_minute").is_null());
    EXPECT_EQ(find(bob, "tenant", "requests_per_minute")["used"], 2);
    EXPECT_EQ(get(gateway_->port(), "/v1/usage").status, 401);
    // No admin key configured: the admin API does not exist.
    EXPECT_EQ(request(gateway_->port(), http::verb::get, "/admin/usage", "", bearer(kAlice)).status, 404);
}

TEST_F(AuthQuotaTest, AdminUsageAnswersOnlyTheAdminKey) {
    const std::string admin = "sk-ig-admin-" + std::string(kClientCanary) + "-admin";
    start(keys_yaml(", limits: { requests_per_minute: 10 }") + "admin: { key_sha256: \"" + hash(admin) + "\" }\n");
    ASSERT_EQ(chat(kAlice).status, 200);
    EXPECT_EQ(get(gateway_->port(), "/admin/usage").status, 401);
    // An API key is not the admin key.
    EXPECT_EQ(request(gateway_->port(), http::verb::get, "/admin/usage", "", bearer(kAlice)).status, 401);
    nlohmann::json report;
    EXPECT_TRUE(eventually([&] {  // per-key totals are recorded after the response is written
        const auto answer = request(gateway_->port(), http::verb::get, "/admin/usage", "", bearer(admin));
        if (answer.status != 200) return false;
        report = nlohmann::json::parse(answer.body);
        return report["keys"][0]["totals"]["requests"] == 1;
    })) << report.dump();
    ASSERT_EQ(report["keys"].size(), 3u);
    EXPECT_EQ(report["keys"][0]["id"], "alice");
    EXPECT_EQ(report["keys"][0]["limits"][0]["used"], 1);
    EXPECT_EQ(report["keys"][1]["enabled"], false);
    EXPECT_EQ(report["keys"][2]["expired"], true);
    EXPECT_EQ(report.dump().find(hash(kAlice)), std::string::npos);  // no key material at all
    // The admin key is not an API key either.
    EXPECT_EQ(chat(admin).status, 401);
}

TEST_F(AuthQuotaTest, AStreamPastMaxStreamTokensEndsWithAnErrorEvent) {
    start(keys_yaml(", limits: { max_stream_tokens: 3 }"));
    const char* stream = R"({"model":"demo","stream":true,"messages":[]})";
    const auto cut = chat(kAlice, stream, {{"x-mock-chunks", "10"}});
    ASSERT_EQ(cut.status, 200);  // the head went out before the cap was reached
    const auto events = sse_data(cut.body);
    ASSERT_EQ(events.size(), 4u) << cut.body;  // three relayed events, then the error
    const auto error = nlohmann::json::parse(events.back())["error"];
    EXPECT_EQ(error["code"], "max_stream_tokens_exceeded");
    EXPECT_NE(error["message"].get<std::string>().find("key 'alice'"), std::string::npos);
    EXPECT_FALSE(cut.complete);  // no [DONE], no terminating chunk: the client can tell
    EXPECT_TRUE(eventually([&] {
        return get(gateway_->port(), "/metrics").body.find(
                   R"(infergate_quota_rejections_total{limit="max_stream_tokens",mode="enforce",scope="key"} 1)") !=
               std::string::npos;
    }));
    // Non-streaming requests are not affected; the gateway keeps serving.
    EXPECT_EQ(chat(kAlice).status, 200);
}

TEST_F(AuthQuotaTest, AShadowStreamCapIsCountedButTheStreamGoesOn) {
    start(keys_yaml(", limits: { max_stream_tokens: 3, mode: shadow }"));
    const auto full = chat(kAlice, R"({"model":"demo","stream":true,"messages":[]})", {{"x-mock-chunks", "10"}});
    ASSERT_EQ(full.status, 200);
    EXPECT_EQ(sse_data(full.body).back(), "[DONE]");
    EXPECT_TRUE(eventually([&] {
        return get(gateway_->port(), "/metrics").body.find(
                   R"(infergate_quota_rejections_total{limit="max_stream_tokens",mode="shadow",scope="key"} 1)") !=
               std::string::npos;
    }));
}

}  // namespace
}  // namespace infergate::testing
