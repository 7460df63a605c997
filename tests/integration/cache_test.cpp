// The response cache through real sockets: a recording llm-mock behind the gateway, models
// with and without a cache policy, API keys of two tenants.
#include <gtest/gtest.h>

#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"
#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

const std::string kAcme = "sk-ig-acme1-Acmesecret0123456789";
const std::string kAcme2 = "sk-ig-acme2-Acmesecret9876543210";
const std::string kGlobex = "sk-ig-globex-Globexsecret0123456789";

std::string hash(const std::string& key) { return auth::to_hex(auth::sha256_of(key)); }

const std::string kDeterministic =
    R"({"model":"cached","temperature":0,"messages":[{"role":"user","content":"hello cache"}]})";
const std::string kDeterministicStream =
    R"({"model":"cached","temperature":0,"stream":true,"messages":[{"role":"user","content":"hello cache"}]})";

// `cached_policy`: the YAML mapping of model "cached"'s cache section.
std::string cache_config(std::uint16_t mock_port, const std::string& cached_policy, const std::string& tail = "") {
    return fmt::format(R"(server:
  listen: "127.0.0.1:0"
  workers: 2
  cache: {{ max_bytes: 4MiB, max_entry_bytes: 256KiB }}
log:
  level: warn
  access_log: {{ format: json }}
backends:
  mock:
    url: "http://127.0.0.1:{}"
    provider: openai
    api_key: "${{TEST_BACKEND_KEY}}"
models:
  cached:
    targets: [ {{ backend: mock, model: mock-model }} ]
    cache: {}
  plain:
    targets: [ {{ backend: mock, model: mock-model }} ]
{})",
                       mock_port, cached_policy, tail);
}

std::string tenants_yaml() {
    return "tenants: { acme: {}, globex: {} }\n"
           "auth:\n  keys:\n"
           "    - { id: acme1, sha256: \"" + hash(kAcme) + "\", tenant: acme }\n"
           "    - { id: acme2, sha256: \"" + hash(kAcme2) + "\", tenant: acme }\n"
           "    - { id: globex, sha256: \"" + hash(kGlobex) + "\", tenant: globex }\n";
}

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

// The assistant text a chat stream carries, its deltas joined.
std::string stream_text(const std::string& body) {
    std::string text;
    for (const std::string& data : sse_data(body)) {
        if (data == "[DONE]") continue;
        const auto chunk = nlohmann::json::parse(data);
        for (const auto& choice : chunk["choices"]) {
            if (choice.contains("delta") && choice["delta"].contains("content") && choice["delta"]["content"].is_string()) {
                text += choice["delta"]["content"].get<std::string>();
            }
        }
    }
    return text;
}

std::string message_text(const std::string& body) {
    return nlohmann::json::parse(body)["choices"][0]["message"]["content"].get<std::string>();
}

class CacheTest : public ::testing::Test {
protected:
    void start(const std::string& cached_policy, const std::string& tail = "") {
        llm_mock::Options options;
        options.record = true;
        mock_ = std::make_unique<llm_mock::MockServer>(options);
        mock_->start();
        gateway_ = std::make_unique<TestGateway>(cache_config(mock_->port(), cached_policy, tail));
    }
    HttpResult chat(const std::string& body, Headers headers = {}) {
        return post_json(gateway_->port(), "/v1/chat/completions", body, headers);
    }
    std::size_t upstream_requests() const { return mock_->requests().size(); }
    // A miss is stored once its answer has been written: a request sent right after the first
    // one's answer may still miss. Wait for the store instead of retrying into the upstream.
    bool stored(std::size_t entries) const {
        const std::string line = "\ninfergate_cache_entries " + std::to_string(entries) + "\n";
        return eventually([&] { return get(gateway_->port(), "/metrics").body.find(line) != std::string::npos; });
    }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::unique_ptr<TestGateway> gateway_;
};

TEST_F(CacheTest, ARepeatedDeterministicRequestIsAnsweredFromTheCache) {
    start("{ enabled: true, ttl: 1m }");
    const HttpResult first = chat(kDeterministic);
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.header("x-infergate-cache"), "miss");
    // The entry is stored when the first request finishes, after its answer was written.
    ASSERT_TRUE(stored(1));
    const HttpResult second = chat(kDeterministic, {{"x-request-id", "req-cache-2"}});
    EXPECT_EQ(second.header("x-infergate-cache"), "hit");
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(second.body, first.body);
    EXPECT_EQ(second.header("content-type"), "application/json");
    EXPECT_EQ(second.header("x-request-id"), "req-cache-2");
    EXPECT_EQ(second.header("x-infergate-model"), "cached");
    EXPECT_EQ(upstream_requests(), 1u);

    // Bookkeeping fields do not change the key; the prompt does.
    const std::string with_user =
        R"({"model":"cached","user":"u1","temperature":0,"messages":[{"role":"user","content":"hello cache"}]})";
    EXPECT_EQ(chat(with_user).header("x-infergate-cache"), "hit");
    const std::string other =
        R"({"model":"cached","temperature":0,"messages":[{"role":"user","content":"something else"}]})";
    EXPECT_EQ(chat(other).header("x-infergate-cache"), "miss");
    EXPECT_EQ(upstream_requests(), 2u);
    ASSERT_TRUE(stored(2));  // stored after its answer was written, as above

    const std::string metrics = get(gateway_->port(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(infergate_cache_requests_total{model="cached",result="hit"} 2)"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find(R"(infergate_cache_requests_total{model="cached",result="miss"} 2)"), std::string::npos);
    EXPECT_NE(metrics.find("infergate_cache_entries 2"), std::string::npos);
    EXPECT_EQ(metrics.find("infergate_cache_bytes 0\n"), std::string::npos);
    // A hit is logged as served by the cache, not by the backend.
    EXPECT_TRUE(eventually([&] {
        const std::string log = gateway_->access_log();
        const auto line = log.find("req-cache-2");
        return line != std::string::npos &&
               log.substr(line, log.find('\n', line) - line).find(R"("backend":"cache")") != std::string::npos;
    }));
}

TEST_F(CacheTest, AStreamingRequestIsReplayedFromAPlainAnswer) {
    start("{ enabled: true }");
    const HttpResult plain = chat(kDeterministic);
    ASSERT_EQ(plain.status, 200);
    ASSERT_TRUE(stored(1));
    const HttpResult streamed = chat(kDeterministicStream);
    EXPECT_EQ(streamed.header("x-infergate-cache"), "hit");
    EXPECT_EQ(streamed.status, 200);
    EXPECT_EQ(streamed.header("content-type"), "text/event-stream");
    EXPECT_EQ(streamed.header("transfer-encoding"), "chunked");
    const auto events = sse_data(streamed.body);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_EQ(stream_text(streamed.body), message_text(plain.body));
    EXPECT_EQ(upstream_requests(), 1u);
}

TEST_F(CacheTest, AStreamedMissFillsTheCacheForPlainRequests) {
    start("{ enabled: true }");
    const HttpResult streamed = chat(kDeterministicStream);
    ASSERT_EQ(streamed.status, 200);
    EXPECT_EQ(streamed.header("x-infergate-cache"), "miss");
    ASSERT_TRUE(stored(1));
    const HttpResult plain = chat(kDeterministic);
    EXPECT_EQ(plain.header("x-infergate-cache"), "hit");
    EXPECT_EQ(message_text(plain.body), stream_text(streamed.body));
    EXPECT_EQ(upstream_requests(), 1u);
}

TEST_F(CacheTest, NoCacheFromTheClientBypassesIt) {
    start("{ enabled: true }");
    ASSERT_EQ(chat(kDeterministic).status, 200);
    ASSERT_TRUE(eventually([&] { return chat(kDeterministic).header("x-infergate-cache") == "hit"; }));
    const std::size_t before = upstream_requests();
    const HttpResult bypassed = chat(kDeterministic, {{"Cache-Control", "no-cache"}});
    EXPECT_EQ(bypassed.status, 200);
    EXPECT_EQ(bypassed.header("x-infergate-cache"), "");
    EXPECT_EQ(upstream_requests(), before + 1);
    const std::string metrics = get(gateway_->port(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(infergate_cache_requests_total{model="cached",result="bypass"} 1)"), std::string::npos);
}

TEST_F(CacheTest, RequestsThatSampleAlwaysGoUpstream) {
    start("{ enabled: true }");
    const std::string sampled = R"({"model":"cached","messages":[{"role":"user","content":"hello cache"}]})";
    for (int i = 0; i < 3; ++i) {
        const HttpResult result = chat(sampled);
        EXPECT_EQ(result.status, 200);
        EXPECT_EQ(result.header("x-infergate-cache"), "");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(upstream_requests(), 3u);
    // A model without a policy: deterministic or not, never cached, no header.
    const std::string plain_model =
        R"({"model":"plain","temperature":0,"messages":[{"role":"user","content":"hello cache"}]})";
    EXPECT_EQ(chat(plain_model).header("x-infergate-cache"), "");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(chat(plain_model).header("x-infergate-cache"), "");
    EXPECT_EQ(upstream_requests(), 5u);
}

TEST_F(CacheTest, TenantsDoNotShareEntriesUnlessConfigured) {
    start("{ enabled: true }", tenants_yaml());
    ASSERT_EQ(chat(kDeterministic, bearer(kAcme)).status, 200);
    ASSERT_TRUE(stored(1));
    // Another key of the same tenant shares its entries.
    EXPECT_EQ(chat(kDeterministic, bearer(kAcme2)).header("x-infergate-cache"), "hit");
    const HttpResult other_tenant = chat(kDeterministic, bearer(kGlobex));
    EXPECT_EQ(other_tenant.header("x-infergate-cache"), "miss");
    EXPECT_EQ(upstream_requests(), 2u);
}

TEST_F(CacheTest, SharedAcrossTenantsWhenConfigured) {
    start("{ enabled: true, share_across_tenants: true }", tenants_yaml());
    ASSERT_EQ(chat(kDeterministic, bearer(kAcme)).status, 200);
    ASSERT_TRUE(stored(1));
    EXPECT_EQ(chat(kDeterministic, bearer(kGlobex)).header("x-infergate-cache"), "hit");
    EXPECT_EQ(upstream_requests(), 1u);
}

TEST_F(CacheTest, EntriesExpireAfterTheirTtl) {
    start("{ enabled: true, ttl: 200ms }");
    ASSERT_EQ(chat(kDeterministic).header("x-infergate-cache"), "miss");
    // Once expired, a lookup misses and the answer is fetched (and stored) again.
    EXPECT_TRUE(eventually([&] { return chat(kDeterministic).header("x-infergate-cache") == "miss"; }));
    EXPECT_GE(upstream_requests(), 2u);
    const std::string metrics = get(gateway_->port(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(infergate_cache_evictions_total{reason="ttl"} )"), std::string::npos);
}

TEST_F(CacheTest, AKeyPolicyWinsOverItsModels) {
    start("{ enabled: false }",
          "tenants: { acme: {} }\nauth:\n  keys:\n"
          "    - { id: acme1, sha256: \"" + hash(kAcme) + "\", tenant: acme, cache: { enabled: true } }\n"
          "    - { id: acme2, sha256: \"" + hash(kAcme2) + "\", tenant: acme }\n");
    EXPECT_EQ(chat(kDeterministic, bearer(kAcme2)).header("x-infergate-cache"), "");
    EXPECT_EQ(chat(kDeterministic, bearer(kAcme)).header("x-infergate-cache"), "miss");
    EXPECT_TRUE(eventually([&] { return chat(kDeterministic, bearer(kAcme)).header("x-infergate-cache") == "hit"; }));
}

}  // namespace
}  // namespace infergate::testing
