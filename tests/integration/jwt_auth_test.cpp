// JWT bearer tokens through real sockets: tokens signed at test time by OpenSSL keys the test
// makes, checked by the gateway against a JWKS file and a PEM file. Valid tokens are proxied;
// expired, wrong-audience, untrusted and forged ones are 401; the models and tenant claims
// decide what a caller may list and call; tokens and subjects never reach logs or metrics.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"
#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/jwt_test_support.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

namespace jwt = auth::testing;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSso = "https://sso.test";  // JWKS: rsa-1, ec-1
constexpr const char* kCi = "https://ci.test";    // PEM: the other EC key; custom claim names
// Planted as the token's subject: it must not appear in any log line or metric.
constexpr const char* kSubjectCanary = "subject-canary-5d1e";

const std::string kAlice = "sk-ig-alice-Alicesecret0123456789";
// Two dots and only base64url characters: shaped like a JWT, and still an API key.
const std::string kDotted = "sk-ig-svc.v2.eu-Dottedsecret0123456789";
const char* kChat = R"({"model":"demo","messages":[{"role":"user","content":"hello"}]})";
const char* kOtherModel = R"({"model":"same-name","messages":[]})";

class JwtAuthTest : public ::testing::Test {
protected:
    // `tenants`: YAML lines under `tenants:` (none: no tenants section).
    void start(const std::string& tenants = "") {
        const json jwks = {{"keys", {jwt::jwk_of(keys().rsa.get(), "rsa-1"), jwt::jwk_of(keys().ec.get(), "ec-1")}}};
        const std::string jwks_file = dir_.write("jwks.json", jwks.dump());
        const std::string pem_file = dir_.write("ci.pem", jwt::public_pem(keys().other_ec.get()));
        llm_mock::Options options;
        options.record = true;
        mock_ = std::make_unique<llm_mock::MockServer>(options);
        mock_->start();
        gateway_ = std::make_unique<TestGateway>(
            demo_config("http://127.0.0.1:" + std::to_string(mock_->port())) +
            (tenants.empty() ? "" : "tenants:\n" + tenants) +
            "auth:\n"
            "  keys:\n"
            "    - { id: alice, sha256: \"" + auth::to_hex(auth::sha256_of(kAlice)) + "\" }\n"
            "    - { id: svc.v2.eu, sha256: \"" + auth::to_hex(auth::sha256_of(kDotted)) + "\" }\n"
            "  jwt:\n"
            "    - name: corp-sso\n"
            "      issuer: " + kSso + "\n"
            "      audience: infergate\n"
            "      jwks_file: " + jwks_file + "\n"
            "    - name: ci\n"
            "      issuer: " + kCi + "\n"
            "      audience: [infergate, other]\n"
            "      pem_file: " + pem_file + "\n"
            "      tenant_claim: team\n"
            "      models_claim: scope\n"
            "      leeway: 0s\n");
    }

    static const jwt::TestKeys& keys() { return jwt::test_keys(); }

    // Valid claims for the corp-sso issuer, against the real clock; tests change single ones.
    static json claims() {
        const auto now = jwt::Clock::now();
        return {{"iss", kSso}, {"sub", kSubjectCanary}, {"aud", "infergate"},
                {"exp", jwt::at(600s, now)}, {"iat", jwt::at(-5s, now)}};
    }
    static std::string rs256(const json& payload, EVP_PKEY* key = keys().rsa.get()) {
        return jwt::token({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}}, payload, key);
    }
    static std::string ci_token(json payload) {
        payload["iss"] = kCi;
        return jwt::token({{"alg", "ES256"}, {"typ", "JWT"}}, payload, keys().other_ec.get());
    }

    HttpResult call(const std::string& token, const char* body = kChat) {
        return post_json(gateway_->port(), "/v1/chat/completions", body, {{"Authorization", "Bearer " + token}});
    }
    std::vector<std::string> listed_models(const std::string& token) {
        const auto result = request(gateway_->port(), http::verb::get, "/v1/models", "",
                                    {{"Authorization", "Bearer " + token}});
        EXPECT_EQ(result.status, 200);
        const json list = json::parse(result.body);
        std::vector<std::string> ids;
        for (const auto& model : list["data"]) ids.push_back(model["id"]);
        return ids;
    }
    // A 401 in the OpenAI shape whose message says why, without quoting the token.
    static void expect_refused(const HttpResult& result, const std::string& token, const std::string& why) {
        EXPECT_EQ(result.status, 401) << result.body;
        EXPECT_EQ(result.header("www-authenticate"), "Bearer");
        const json error = json::parse(result.body)["error"];
        EXPECT_EQ(error["code"], "invalid_api_key");
        EXPECT_EQ(error["type"], "invalid_request_error");
        EXPECT_EQ(error["message"], "Bearer token refused: " + why + ".");
        EXPECT_EQ(result.body.find(token.substr(token.rfind('.') + 1)), std::string::npos);
    }

    jwt::TempDir dir_;
    std::unique_ptr<llm_mock::MockServer> mock_;
    std::unique_ptr<TestGateway> gateway_;
};

TEST_F(JwtAuthTest, ValidTokensAreProxiedAlongsideApiKeys) {
    start();
    EXPECT_EQ(call(rs256(claims())).status, 200);
    EXPECT_EQ(call(jwt::token({{"alg", "ES256"}, {"kid", "ec-1"}}, claims(), keys().ec.get())).status, 200);
    EXPECT_EQ(call(ci_token(claims())).status, 200);  // PEM issuer, audience from its list
    EXPECT_EQ(call(kAlice).status, 200);
    EXPECT_EQ(call(kDotted).status, 200);
    // Tokens may be longer than the longest API key accepted (4 KiB), up to the verifier's 8 KiB.
    json padded = claims();
    padded["padding"] = std::string(5000, 'x');
    EXPECT_EQ(call(rs256(padded)).status, 200);
    EXPECT_EQ(mock_->requests().size(), 6u);

    std::string log;
    EXPECT_TRUE(eventually([&] {  // each line is written after its response, in any order
        log = gateway_->access_log();
        return log.find(R"("key_id":"jwt:corp-sso")") != std::string::npos &&
               log.find(R"("key_id":"jwt:ci")") != std::string::npos &&
               log.find(R"("key_id":"alice")") != std::string::npos;
    })) << log;
    EXPECT_EQ(log.find(kSubjectCanary), std::string::npos);
    std::string metrics;
    EXPECT_TRUE(eventually([&] {
        metrics = get(gateway_->port(), "/metrics").body;
        return metrics.find(R"(infergate_key_requests_total{key="jwt:corp-sso",tenant=""} 3)") != std::string::npos;
    })) << metrics;
    EXPECT_EQ(metrics.find(kSubjectCanary), std::string::npos);
}

TEST_F(JwtAuthTest, ExpiredWrongAudienceUntrustedAndForgedTokensAre401) {
    start();
    json expired = claims();
    expired["exp"] = jwt::at(-60s, jwt::Clock::now());
    const std::string expired_token = rs256(expired);
    expect_refused(call(expired_token), expired_token, "token expired");

    json wrong_audience = claims();
    wrong_audience["aud"] = "someone-else";
    const std::string wrong_audience_token = rs256(wrong_audience);
    expect_refused(call(wrong_audience_token), wrong_audience_token, "token audience not accepted");

    json untrusted = claims();
    untrusted["iss"] = "https://evil.test";
    const std::string untrusted_token = rs256(untrusted);
    expect_refused(call(untrusted_token), untrusted_token, "token issuer not trusted");

    // Signed by a key that is not the one kid rsa-1 names.
    const std::string forged = rs256(claims(), keys().other_rsa.get());
    expect_refused(call(forged), forged, "token signature invalid");

    // The CI issuer allows no clock skew: a token that expired a moment ago is refused.
    json just_expired = claims();
    just_expired["exp"] = jwt::at(-2s, jwt::Clock::now());
    const std::string just_expired_token = ci_token(just_expired);
    expect_refused(call(just_expired_token), just_expired_token, "token expired");

    EXPECT_EQ(get(gateway_->port(), "/v1/models").status, 401);
    EXPECT_TRUE(mock_->requests().empty());
}

TEST_F(JwtAuthTest, ModelsClaimLimitsWhatIsListedAndCalled) {
    start();
    json payload = claims();
    payload["models"] = {"demo"};
    const std::string token = rs256(payload);
    EXPECT_EQ(call(token).status, 200);
    const auto other = call(token, kOtherModel);
    EXPECT_EQ(other.status, 404);
    EXPECT_EQ(json::parse(other.body)["error"]["code"], "model_not_found");
    EXPECT_EQ(listed_models(token), std::vector<std::string>{"demo"});

    // The CI issuer names its claim `scope`, a space-separated string.
    json ci = claims();
    ci["scope"] = "same-name";
    EXPECT_EQ(listed_models(ci_token(ci)), std::vector<std::string>{"same-name"});
    EXPECT_EQ(call(ci_token(ci)).status, 404);
    // No models claim: every model.
    EXPECT_EQ(listed_models(rs256(claims())), (std::vector<std::string>{"demo", "same-name"}));
}

TEST_F(JwtAuthTest, TenantClaimAppliesADeclaredTenantAndRefusesAnUnknownOne) {
    start("  team: { models: [demo], limits: { requests_per_minute: 2 } }\n");
    json payload = claims();
    payload["tenant"] = "team";
    payload["models"] = {"demo", "same-name"};
    const std::string token = rs256(payload);
    // The token names same-name, the tenant does not: the claim cannot widen the tenant's list.
    EXPECT_EQ(listed_models(token), std::vector<std::string>{"demo"});
    EXPECT_EQ(call(token, kOtherModel).status, 404);
    // The tenant's limit is shared by every token naming it (from any issuer).
    json ci = claims();
    ci["team"] = "team";
    EXPECT_EQ(call(token).status, 200);
    EXPECT_EQ(call(ci_token(ci)).status, 200);
    const auto limited = call(token);
    EXPECT_EQ(limited.status, 429);
    EXPECT_NE(limited.body.find("tenant 'team'"), std::string::npos) << limited.body;
    EXPECT_TRUE(eventually([&] {
        return get(gateway_->port(), "/metrics").body.find(
                   R"(infergate_key_requests_total{key="jwt:ci",tenant="team"} 1)") != std::string::npos;
    }));

    payload["tenant"] = "nobody";
    const std::string unknown = rs256(payload);
    expect_refused(call(unknown), unknown, "its tenant is not configured here");
    EXPECT_EQ(mock_->requests().size(), 2u);
}

}  // namespace
}  // namespace infergate::testing
