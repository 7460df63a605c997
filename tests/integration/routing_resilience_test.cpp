// What routing does when replicas fail, on real sockets: a replica that dies is retried around
// and ejected; fallbacks to another model on 429 and 5xx (and only on the failures listed);
// retries on a listed status to the other replica, never on a 400; the retry budget capping
// a retry storm; streams that fail before their first token retried invisibly; a backend key
// the provider refuses taken out of rotation, one it rate-limits rested, the other answering.
#include <gtest/gtest.h>

#include <array>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "support/replicas.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;

const std::string kChat = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";

std::string chat_for(const std::string& model, bool stream = false) {
    json body = {{"model", model}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    if (stream) body["stream"] = true;
    return body.dump();
}

llm_mock::Options answering(int status) {
    llm_mock::Options options;
    options.status = status;
    return options;
}

std::string scrape(const TestGateway& gateway) { return get(gateway.port(), "/metrics").body; }

double target_metric(const std::string& exposition, const std::string& name, const std::string& model,
                     const std::string& backend, const std::map<std::string, std::string>& more = {}) {
    std::map<std::string, std::string> labels = more;
    labels["model"] = model;
    labels["backend"] = backend;
    return metric(exposition, name, labels).value_or(-1);
}

// Three replicas of "chat" with the given strategy; a dead one is ejected after 3 failures.
class RoutingDeadReplica : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        for (auto& replica : replicas_) replica = start_replica();
        const std::string outlier = "    outlier_detection: { consecutive_failures: 3, base_ejection: 60s }";
        gateway_ = std::make_unique<TestGateway>(routing_config(
            backend_entry("r1", *replicas_[0], outlier) + backend_entry("r2", *replicas_[1], outlier) +
                backend_entry("r3", *replicas_[2], outlier),
            fmt::format(R"(
  chat:
    strategy: {}
    targets: [ {{ backend: r1, model: up }}, {{ backend: r2, model: up }}, {{ backend: r3, model: up }} ]
)",
                        GetParam())));
    }

    // `count` requests, every one of which must be answered by a live replica.
    void expect_all_answered(int count) {
        for (int i = 0; i < count; ++i) {
            const HttpResult result = post_json(gateway_->port(), "/v1/chat/completions", kChat);
            ASSERT_EQ(result.status, 200) << "request " << i << ": " << result.body;
            ASSERT_EQ(answered_model(result.body), "up");
        }
    }

    std::size_t live_requests() const { return requests_seen(*replicas_[0]) + requests_seen(*replicas_[2]); }

    static double failed_attempts_on_r2(const std::string& metrics) {
        return target_metric(metrics, "infergate_upstream_attempts_total", "chat", "r2", {{"outcome", "failed"}});
    }

    std::array<std::unique_ptr<llm_mock::MockServer>, 3> replicas_;
    std::unique_ptr<TestGateway> gateway_;
};

// Connection errors are retried on another target by default when a model has several.
TEST_P(RoutingDeadReplica, NoClientSeesAnErrorWhenAReplicaDies) {
    ASSERT_NO_FATAL_FAILURE(expect_all_answered(30));
    replicas_[1]->stop();
    ASSERT_NO_FATAL_FAILURE(expect_all_answered(150));
}

std::string strategy_name(const ::testing::TestParamInfo<const char*>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(RoutingEveryStrategy, RoutingDeadReplica,
                         ::testing::Values("weighted", "least_outstanding", "p2c_ewma", "prefix_affinity"),
                         strategy_name);

// Round-robin keeps offering the dead replica requests, so it is certain to be ejected
// (p2c_ewma, for one, may simply never pick it again).
class RoutingDeadReplicaRoundRobin : public RoutingDeadReplica {};

TEST_P(RoutingDeadReplicaRoundRobin, ADeadReplicaIsEjectedAndGetsNoMoreAttempts) {
    ASSERT_NO_FATAL_FAILURE(expect_all_answered(30));
    replicas_[1]->stop();
    ASSERT_NO_FATAL_FAILURE(expect_all_answered(30));
    std::string metrics = scrape(*gateway_);
    EXPECT_GE(target_metric(metrics, "infergate_target_ejections_total", "chat", "r2"), 1) << metrics;
    EXPECT_EQ(target_metric(metrics, "infergate_target_healthy", "chat", "r2"), 0) << metrics;
    EXPECT_EQ(target_metric(metrics, "infergate_target_healthy", "chat", "r1"), 1) << metrics;
    const double failed = failed_attempts_on_r2(metrics);
    EXPECT_EQ(failed, 3);

    const std::size_t live_before = live_requests();
    ASSERT_NO_FATAL_FAILURE(expect_all_answered(50));
    metrics = scrape(*gateway_);
    EXPECT_EQ(failed_attempts_on_r2(metrics), failed);
    EXPECT_EQ(live_requests(), live_before + 50);
}

INSTANTIATE_TEST_SUITE_P(Routing, RoutingDeadReplicaRoundRobin, ::testing::Values("weighted"), strategy_name);

class RoutingFallback : public ::testing::Test {
protected:
    void SetUp() override {
        limited_ = start_replica(answering(429));
        broken_ = start_replica(answering(500));
        spare_ = start_replica();
        gateway_ = std::make_unique<TestGateway>(routing_config(
            backend_entry("limited", *limited_) + backend_entry("broken", *broken_) + backend_entry("spare", *spare_),
            R"(
  rate-limited:
    targets: [ { backend: limited, model: primary-upstream } ]
    fallbacks: [ spare-model ]
  failing:
    targets: [ { backend: broken, model: primary-upstream } ]
    fallbacks: [ spare-model ]
  only-on-429:
    targets: [ { backend: broken, model: primary-upstream } ]
    fallbacks: { models: [ spare-model ], on: [ 429 ] }
  spare-model:
    targets: [ { backend: spare, model: spare-upstream } ]
)"));
    }

    HttpResult send(const std::string& model) {
        return post_json(gateway_->port(), "/v1/chat/completions", chat_for(model));
    }

    double fallbacks(const std::string& model) {
        return metric(scrape(*gateway_), "infergate_fallbacks_total", {{"model", model}, {"fallback", "spare-model"}})
            .value_or(0);
    }

    std::unique_ptr<llm_mock::MockServer> limited_, broken_, spare_;
    std::unique_ptr<TestGateway> gateway_;
};

TEST_F(RoutingFallback, A429IsAnsweredByTheFallbackModel) {
    const HttpResult result = send("rate-limited");
    EXPECT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(answered_model(result.body), "spare-upstream");
    // The response says which model and backend answered.
    EXPECT_EQ(result.header("x-infergate-model"), "spare-model");
    EXPECT_EQ(result.header("x-infergate-backend"), "spare");
    EXPECT_EQ(requests_seen(*limited_), 1u);
    EXPECT_EQ(models_seen(*spare_), std::vector<std::string>{"spare-upstream"});
    EXPECT_EQ(fallbacks("rate-limited"), 1);
}

TEST_F(RoutingFallback, A500IsAnsweredByTheFallbackModel) {
    for (int i = 0; i < 3; ++i) {
        const HttpResult result = send("failing");
        EXPECT_EQ(result.status, 200) << result.body;
        EXPECT_EQ(answered_model(result.body), "spare-upstream");
    }
    EXPECT_EQ(requests_seen(*broken_), 3u);
    EXPECT_EQ(requests_seen(*spare_), 3u);
    EXPECT_EQ(fallbacks("failing"), 3);
}

TEST_F(RoutingFallback, AStreamIsAnsweredByTheFallbackModel) {
    const HttpResult result = post_json(gateway_->port(), "/v1/chat/completions", chat_for("failing", true));
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(result.header("x-infergate-model"), "spare-model");
    EXPECT_EQ(result.header("x-infergate-backend"), "spare");
    const std::vector<std::string> events = sse_data(result.body);
    ASSERT_GE(events.size(), 2u);
    EXPECT_EQ(answered_model(events.front()), "spare-upstream");
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_EQ(fallbacks("failing"), 1);
}

TEST_F(RoutingFallback, AFailureNotListedInOnIsNotHandedToTheFallback) {
    const HttpResult result = send("only-on-429");
    EXPECT_EQ(result.status, 500);
    EXPECT_EQ(json::parse(result.body)["error"]["message"], "mock status 500");
    EXPECT_EQ(result.header("x-infergate-model"), "only-on-429");  // the relayed answer's
    EXPECT_EQ(result.header("x-infergate-backend"), "broken");
    EXPECT_EQ(requests_seen(*broken_), 1u);
    EXPECT_EQ(requests_seen(*spare_), 0u);
    EXPECT_EQ(fallbacks("only-on-429"), 0);
}

class RoutingRetry : public ::testing::Test {
protected:
    void start(const std::string& retry) {
        gateway_ = std::make_unique<TestGateway>(routing_config(
            backend_entry("first", *first_) + backend_entry("second", *second_), R"(
  chat:
    strategy: weighted
    targets: [ { backend: first, model: first-upstream }, { backend: second, model: second-upstream } ]
    retry: )" + retry + "\n"));
    }
    HttpResult send(const Headers& headers = {}) {
        return post_json(gateway_->port(), "/v1/chat/completions", kChat, headers);
    }

    std::unique_ptr<llm_mock::MockServer> first_, second_;
    std::unique_ptr<TestGateway> gateway_;
};

TEST_F(RoutingRetry, AListedStatusIsRetriedOnTheOtherReplica) {
    first_ = start_replica(answering(503));
    second_ = start_replica();
    start("{ attempts: 2, on: [503] }");
    for (int i = 0; i < 10; ++i) {
        const HttpResult result = send();
        ASSERT_EQ(result.status, 200) << result.body;
        EXPECT_EQ(answered_model(result.body), "second-upstream");
    }
    EXPECT_GE(requests_seen(*first_), 1u);  // weighted 1:1 starts with the first target
    EXPECT_EQ(requests_seen(*second_), 10u);
    EXPECT_EQ(metric(scrape(*gateway_), "infergate_retries_total", {{"model", "chat"}, {"reason", "503"}}),
              static_cast<double>(requests_seen(*first_)));
}

TEST_F(RoutingRetry, A400IsNeverRetried) {
    first_ = start_replica();
    second_ = start_replica();
    start("{ attempts: 3, on: [connect_error, reset, timeout, 5xx, 429, context_length] }");
    const HttpResult result = send({{"x-mock-status", "400"}});
    EXPECT_EQ(result.status, 400);
    EXPECT_EQ(requests_seen(*first_) + requests_seen(*second_), 1u);
}

// Every replica answers 503 and each failure may be retried: without a budget the replicas
// would see two attempts per request. The budget (10% of requests, at least 1 a second over
// its 10 s window) keeps the extra load near 20 attempts.
TEST_F(RoutingRetry, TheRetryBudgetStopsARetryStorm) {
    first_ = start_replica(answering(503));
    second_ = start_replica(answering(503));
    start("{ attempts: 2, on: [503], backoff: { base: 1ms, max: 5ms }, budget: { ratio: 0.1, min_per_second: 1 } }");
    const std::vector<unsigned> statuses = send_from_threads(200, 4, [&](std::size_t) { return send().status; });
    for (const unsigned status : statuses) ASSERT_EQ(status, 503u);
    const std::size_t attempts = requests_seen(*first_) + requests_seen(*second_);
    EXPECT_GT(attempts, 200u);  // the budget does allow some retries
    EXPECT_LE(attempts, 200u + 20u + 10u);
}

// One replica fails each stream before its first token; retried on the other, the client
// sees one complete stream and nothing of the failed attempt.
class RoutingStreamRetry : public ::testing::Test {
protected:
    void start(llm_mock::Options bad_options, const std::string& model_settings) {
        bad_ = start_replica(std::move(bad_options));
        good_ = start_replica();
        gateway_ = std::make_unique<TestGateway>(
            routing_config(backend_entry("bad", *bad_) + backend_entry("good", *good_), R"(
  chat:
    strategy: weighted
    targets: [ { backend: bad, model: bad-upstream }, { backend: good, model: good-upstream } ]
)" + model_settings + "\n"));
    }

    void expect_complete_streams(int count) {
        for (int i = 0; i < count; ++i) {
            const HttpResult result = post_json(gateway_->port(), "/v1/chat/completions", chat_for("chat", true));
            ASSERT_EQ(result.status, 200) << result.body;
            EXPECT_EQ(result.header("content-type").rfind("text/event-stream", 0), 0u);
            EXPECT_TRUE(result.complete);
            const std::vector<std::string> events = sse_data(result.body);
            ASSERT_FALSE(events.empty());
            EXPECT_EQ(events.back(), "[DONE]");
            std::string text;
            for (std::size_t e = 0; e + 1 < events.size(); ++e) {
                const json chunk = json::parse(events[e]);
                ASSERT_FALSE(chunk.contains("error")) << events[e];
                EXPECT_EQ(chunk["model"], "good-upstream");
                const json& delta = chunk["choices"][0]["delta"];
                if (delta.contains("content")) text += delta["content"].get<std::string>();
            }
            EXPECT_EQ(text, "mock reply 1 2 3 4 5 6");
        }
        EXPECT_GE(requests_seen(*bad_), 1u) << "the failing replica was never tried";
        EXPECT_EQ(requests_seen(*good_), static_cast<std::size_t>(count));
    }

    // `bad_options` delay the first token by 5 s; each failed attempt costs the 300 ms timeout.
    void expect_timeouts_retried(llm_mock::Options bad_options) {
        start(std::move(bad_options), "    first_token_timeout: 300ms\n    retry: { attempts: 2, on: [timeout] }");
        const auto started = std::chrono::steady_clock::now();
        expect_complete_streams(4);
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    }

    std::unique_ptr<llm_mock::MockServer> bad_, good_;
    std::unique_ptr<TestGateway> gateway_;
};

TEST_F(RoutingStreamRetry, AResetBeforeTheHeadIsRetriedInvisibly) {
    llm_mock::Options options;
    options.fault = "reset-before-headers";
    start(options, "    retry: { attempts: 2, on: [reset] }");
    expect_complete_streams(4);
}

TEST_F(RoutingStreamRetry, AHeadLaterThanTheFirstTokenTimeoutIsRetriedInvisibly) {
    llm_mock::Options options;
    options.ttft = std::chrono::seconds(5);
    expect_timeouts_retried(options);
}

// The head and the role event arrive at once, the first word not within first_token_timeout:
// the held role event is dropped with the attempt, not sent before the retry's.
TEST_F(RoutingStreamRetry, AFirstTokenLaterThanTheTimeoutIsRetriedInvisibly) {
    llm_mock::Options options;
    options.chunk_delay = std::chrono::seconds(5);
    expect_timeouts_retried(options);
}

// A backend with two keys, the secret canary and a second one, and a provider that answers
// `canary_status` to the canary (so that handling is also checked for leaks).
class RoutingCredentials : public ::testing::Test {
protected:
    static constexpr const char* kSecondKey = "sk-test-second-key";

    void start(int canary_status) {
        llm_mock::Options options;
        options.status_for_key[kBackendCanary] = canary_status;
        upstream_ = start_replica(options);
        gateway_ = std::make_unique<TestGateway>(routing_config(fmt::format(R"(  pooled:
    url: "http://127.0.0.1:{}"
    provider: openai
    api_keys: [ "${{TEST_BACKEND_KEY}}", "{}" ]
)",
                                                                            upstream_->port(), kSecondKey),
                                                                R"(
  chat:
    targets: [ { backend: pooled, model: up } ]
)"));
    }

    void expect_all_answered(int count) {
        for (int i = 0; i < count; ++i) {
            const HttpResult result = post_json(gateway_->port(), "/v1/chat/completions", kChat);
            ASSERT_EQ(result.status, 200) << "request " << i << ": " << result.body;
        }
    }

    // How many requests the provider received with `key`.
    std::size_t sent_with(const std::string& key) const {
        std::size_t count = 0;
        for (const llm_mock::RecordedRequest& request : upstream_->requests()) {
            for (const auto& [name, value] : request.headers) {
                count += beast::iequals(name, "authorization") && value == "Bearer " + key ? 1 : 0;
            }
        }
        return count;
    }

    std::unique_ptr<llm_mock::MockServer> upstream_;
    std::unique_ptr<TestGateway> gateway_;
};

// The refused key leaves the rotation, and the request that found it out is answered with
// the other key.
TEST_F(RoutingCredentials, ARefusedKeyIsTakenOutOfRotation) {
    start(401);
    ASSERT_NO_FATAL_FAILURE(expect_all_answered(20));
    EXPECT_EQ(sent_with(kBackendCanary), 1u) << "the refused key was used again";
    EXPECT_EQ(sent_with(kSecondKey), 20u);
}

// A key's rate limit is that key's: the other key answers, at once and for as long as the
// limited one rests (the mock's Retry-After: 1 s).
TEST_F(RoutingCredentials, ARateLimitedKeyRestsWhileTheOtherAnswers) {
    start(429);
    const auto started = std::chrono::steady_clock::now();
    ASSERT_NO_FATAL_FAILURE(expect_all_answered(1));  // the canary key first: 429, then the other
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900))
        << "the retry with the other key waited out the rate-limited key's Retry-After";
    ASSERT_NO_FATAL_FAILURE(expect_all_answered(19));
    EXPECT_EQ(sent_with(kBackendCanary), 1u) << "the rate-limited key was used before its Retry-After";
    EXPECT_EQ(sent_with(kSecondKey), 20u);
}

}  // namespace
}  // namespace infergate::testing
