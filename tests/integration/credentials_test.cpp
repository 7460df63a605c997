// Hostile credentials and where secrets may end up (catalogue §3.4 A1, A8, A9): missing and
// empty keys, keys in the query string, oversized, non-ASCII and control-character keys;
// spoofed X-Forwarded-For; unknown admin paths. The
// canaries of support/test_gateway.hpp must never come back in an answer, the access log or
// /metrics.
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

std::string chat_head(const std::string& target, const std::string& fields) {
    return raw_post(target, kDemoChat, "Connection: close\r\n" + fields);
}

std::string status_of(const std::string& answer) { return answer.substr(9, 3); }

class CredentialsTest : public ::testing::Test {
protected:
    void start(const std::string& auth_extra = "") {
        llm_mock::Options options;
        options.record = true;
        mock_ = std::make_unique<llm_mock::MockServer>(options);
        mock_->start();
        gateway_ = std::make_unique<TestGateway>(
            demo_config("http://127.0.0.1:" + std::to_string(mock_->port())) + "auth:\n" +
            auth_extra + "  keys:\n    - { id: app, sha256: \"" +
            auth::to_hex(auth::sha256_of(kKey)) + "\" }\n");
    }
    std::uint16_t port() const { return gateway_->port(); }
    // Everything the gateway wrote where an operator or a client could read it, once the access
    // log has its `lines` (written after each response, so possibly after the client saw it).
    void expect_no_canary(const std::vector<std::string>& answers, long lines) {
        std::string log;
        EXPECT_TRUE(eventually([&] {
            log = gateway_->access_log();
            return std::count(log.begin(), log.end(), '\n') >= lines;
        })) << log;
        const std::string metrics = get(port(), "/metrics").body;
        for (const char* canary : {kClientCanary, kBackendCanary}) {
            EXPECT_EQ(log.find(canary), npos) << log;
            EXPECT_EQ(metrics.find(canary), npos);
            for (const std::string& answer : answers) EXPECT_EQ(answer.find(canary), npos) << answer;
        }
    }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::unique_ptr<TestGateway> gateway_;
};

// A1: no usable credential is a 401 with WWW-Authenticate, whatever form the attempt takes; a
// key in the query string is not a credential, and the URL is never echoed with it.
TEST_F(CredentialsTest, MissingEmptyOrQueryStringKeysAre401AndNeverEchoed) {
    start("  max_failures_per_minute: 0\n");
    const std::string query = "?api_key=" + kKey;
    std::vector<std::string> answers;
    for (const std::string& fields :
         {std::string(), std::string("Authorization: Bearer\r\n"), std::string("Authorization: Bearer    \r\n"),
          std::string("Authorization: " + kKey + "\r\n"), "Authorization: Basic " + kKey + "\r\n",
          std::string("api-key: \r\n")}) {
        SCOPED_TRACE(fields);
        const std::string answer = raw_exchange(port(), chat_head("/v1/chat/completions" + query, fields));
        EXPECT_EQ(status_of(answer), "401") << answer;
        EXPECT_NE(answer.find("\r\nWWW-Authenticate: Bearer\r\n"), npos);
        EXPECT_NE(answer.find(R"("code":"invalid_api_key")"), npos);
        answers.push_back(answer);
    }
    // Unknown paths and wrong methods name the path, not the query.
    const std::string unknown = raw_exchange(port(), chat_head("/v2/chat" + query, ""));
    EXPECT_EQ(status_of(unknown), "404");
    const std::string wrong_method = raw_exchange(
        port(), "GET /v1/chat/completions" + query + " HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(wrong_method), "405");
    answers.insert(answers.end(), {unknown, wrong_method});
    EXPECT_TRUE(mock_->requests().empty());
    expect_no_canary(answers, 8);
}

// A8: a 10 KB key, non-ASCII bytes and control characters are refused with bounded work:
// 401 (or 400 for bytes no header may hold), quickly, and never quoted back.
TEST_F(CredentialsTest, OversizedNonAsciiOrControlCharacterKeysAreRefusedCheaply) {
    start("  max_failures_per_minute: 0\n");
    const std::string huge = "sk-ig-app-" + std::string(10 << 10, 'k') + kClientCanary;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"Authorization: Bearer " + huge + "\r\n", "401"},
        {"x-api-key: " + huge + "\r\n", "401"},
        {"Authorization: Bearer sk-ig-app-\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-" + std::string(kClientCanary) + "\r\n", "401"},
        {"Authorization: Bearer sk-ig-app-\xff\xfe" + std::string(kClientCanary) + "\r\n", "401"},
        {"Authorization: Bearer " + std::string(kClientCanary) + "\x01" + "x\r\n", "400"},
        {"Authorization: Bearer " + std::string(kClientCanary) + std::string(1, '\0') + "x\r\n", "400"},
        {"Authorization: Bearer " + std::string(kClientCanary) + "\x1b[2J\r\n", "400"},
    };
    std::vector<std::string> answers;
    for (const auto& [fields, status] : cases) {
        SCOPED_TRACE(status + " " + fields.substr(0, 60));
        const auto started = std::chrono::steady_clock::now();
        const std::string answer = raw_exchange(port(), chat_head("/v1/chat/completions", fields));
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
        EXPECT_EQ(status_of(answer), status) << answer.substr(0, 300);
        EXPECT_LT(answer.size(), 1024u);
        answers.push_back(answer);
    }
    EXPECT_TRUE(mock_->requests().empty());
    EXPECT_EQ(post_json(port(), "/v1/chat/completions", kDemoChat, {{"authorization", "Bearer " + kKey}}).status, 200);
    expect_no_canary(answers, 5);  // framing refusals (400) end the connection unlogged
}

// A9: X-Forwarded-For is not trusted: the log names the socket's peer, and a guesser that
// changes it on every attempt is still one address to the failure limiter. Admin paths that do
// not exist are 404 on the public listener, like any unknown path.
TEST_F(CredentialsTest, ForwardedForIsNotTrustedAndUnknownAdminPathsAre404) {
    start("  max_failures_per_minute: 3\n");
    std::vector<std::string> answers;
    int refused = 0;
    for (int i = 0; i < 6; ++i) {
        const std::string answer = raw_exchange(
            port(), chat_head("/v1/chat/completions", "X-Forwarded-For: 203.0.113." + std::to_string(i) +
                                                          "\r\nX-Real-IP: 203.0.113.9\r\nForwarded: for=198.51.100.1\r\n"
                                                          "Authorization: Bearer wrong-" + kClientCanary + "\r\n"));
        refused += status_of(answer) == "429";
        answers.push_back(answer);
    }
    EXPECT_EQ(refused, 3);
    std::string log;
    EXPECT_TRUE(eventually([&] {
        log = gateway_->access_log();
        return std::count(log.begin(), log.end(), '\n') >= 6;
    }));
    EXPECT_EQ(log.find("203.0.113"), npos) << log;
    EXPECT_EQ(log.find("198.51.100"), npos);
    EXPECT_NE(log.find(R"("peer":"127.0.0.1:)"), npos);

    for (const char* path : {"/admin", "/admin/", "/admin/keys", "/admin/config", "/admin/usage",
                             "/admin/usage/", "/admin/../admin/usage", "/ADMIN/usage", "/debug/pprof", "/v1/admin"}) {
        SCOPED_TRACE(path);
        // No key is asked for here, so the limiter (now refusing 127.0.0.1) does not decide.
        const HttpResult result = get(port(), path);
        EXPECT_EQ(result.status, 404) << result.body;
        EXPECT_EQ(json::parse(result.body)["error"]["code"], "unknown_url");
    }
    expect_no_canary(answers, 6);
}

}  // namespace
}  // namespace infergate::testing
