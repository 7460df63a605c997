// A backend's admission on real sockets: `max_concurrency` makes the excess wait in the
// bounded queue instead of piling onto the backend; a full queue and a wait past `max_wait`
// are 429 `backend_saturated` with Retry-After; a hosted provider that reports no requests
// left (x-ratelimit-remaining-requests: 0) is sent nothing more until its reset.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "support/replicas.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kChat = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";

class AdmissionQueue : public ::testing::Test {
protected:
    // One backend "b" on a mock that waits `ttft` before each answer; `admission` is the
    // backend's extra YAML (max_concurrency, queue).
    void start(std::chrono::milliseconds ttft, const std::string& admission, std::string success_headers = "") {
        llm_mock::Options options;
        options.ttft = ttft;
        options.success_headers = std::move(success_headers);
        upstream_ = start_replica(options);
        gateway_ = std::make_unique<TestGateway>(routing_config(backend_entry("b", *upstream_, admission), R"(
  chat:
    targets: [ { backend: b, model: up } ]
)"));
    }

    // `count` chat requests sent at once, one client thread each; the answers by index.
    std::vector<HttpResult> send_together(std::size_t count) {
        std::vector<HttpResult> results(count);
        send_from_threads(count, count, [&](std::size_t i) {
            results[i] = post_json(gateway_->port(), "/v1/chat/completions", kChat);
            return results[i].status;
        });
        return results;
    }

    static std::size_t count_status(const std::vector<HttpResult>& results, unsigned status) {
        return static_cast<std::size_t>(
            std::count_if(results.begin(), results.end(), [&](const HttpResult& r) { return r.status == status; }));
    }

    // Every 429 is the backend's refusal, in OpenAI format, with a Retry-After of >= 1 s.
    static void expect_saturated(const std::vector<HttpResult>& results) {
        for (const HttpResult& result : results) {
            if (result.status != 429) continue;
            const auto body = nlohmann::json::parse(result.body, nullptr, false);
            ASSERT_TRUE(body.contains("error")) << result.body;
            EXPECT_EQ(body["error"]["code"], "backend_saturated") << result.body;
            EXPECT_EQ(body["error"]["type"], "rate_limit_exceeded") << result.body;
            EXPECT_GE(std::stoi(result.header("retry-after")), 1) << result.body;
        }
    }

    double queue_waits() const {
        return metric(get(gateway_->port(), "/metrics").body, "infergate_backend_queue_wait_seconds_count",
                      {{"backend", "b"}})
            .value_or(0);
    }

    std::unique_ptr<llm_mock::MockServer> upstream_;
    std::unique_ptr<TestGateway> gateway_;
};

// Six requests at once, two slots, 200 ms each: three rounds, so at least 600 ms; without the
// limit all six would be answered in about 200 ms. No request fails, four waited.
TEST_F(AdmissionQueue, RequestsBeyondMaxConcurrencyWaitTheirTurnAndAreAllServed) {
    start(200ms, "    max_concurrency: 2\n");
    const auto started = Clock::now();
    const auto results = send_together(6);
    const auto elapsed = Clock::now() - started;
    EXPECT_EQ(count_status(results, 200), 6u);
    EXPECT_GE(elapsed, 580ms) << "more than two requests were sent to the backend at once";
    EXPECT_EQ(requests_seen(*upstream_), 6u);
    EXPECT_GE(queue_waits(), 4);
}

// One slot and one place in the queue: of four requests at once, two are served and two are
// refused at once, never sent.
TEST_F(AdmissionQueue, AFullQueueIsA429BackendSaturatedAndNothingIsSent) {
    start(400ms, "    max_concurrency: 1\n    queue: { max_waiting: 1, max_wait: 5s }\n");
    const auto results = send_together(4);
    EXPECT_EQ(count_status(results, 200), 2u);
    EXPECT_EQ(count_status(results, 429), 2u);
    ASSERT_NO_FATAL_FAILURE(expect_saturated(results));
    for (const HttpResult& result : results) {
        if (result.status == 429) EXPECT_NE(result.body.find("concurrency limit"), std::string::npos) << result.body;
    }
    EXPECT_EQ(requests_seen(*upstream_), 2u);
}

// A request that cannot get a slot within max_wait is refused at the deadline, not left to
// wait for as long as the request ahead of it takes.
TEST_F(AdmissionQueue, AWaitPastMaxWaitIsA429AtTheDeadline) {
    start(1500ms, "    max_concurrency: 1\n    queue: { max_wait: 200ms }\n");
    std::mutex mutex;
    std::vector<Clock::duration> refused_after;
    const auto started = Clock::now();
    std::vector<HttpResult> results(2);
    send_from_threads(2, 2, [&](std::size_t i) {
        if (i == 1) std::this_thread::sleep_for(100ms);  // the first surely holds the slot
        results[i] = post_json(gateway_->port(), "/v1/chat/completions", kChat);
        if (results[i].status == 429) {
            std::lock_guard lock(mutex);
            refused_after.push_back(Clock::now() - started);
        }
        return results[i].status;
    });
    EXPECT_EQ(results[0].status, 200u);
    EXPECT_EQ(results[1].status, 429u);
    ASSERT_NO_FATAL_FAILURE(expect_saturated(results));
    ASSERT_EQ(refused_after.size(), 1u);
    EXPECT_GE(refused_after[0], 300ms);   // 100 ms before it was sent + the 200 ms wait
    EXPECT_LT(refused_after[0], 1400ms);  // not when the slot freed
    EXPECT_EQ(requests_seen(*upstream_), 1u);
}

constexpr const char* kProviderExhausted =
    "x-ratelimit-remaining-requests: 0\r\nx-ratelimit-reset-requests: 1s\r\n";

// The provider said no requests are left for 1 s: the next request is held until then and
// then sent, instead of being sent to be refused.
TEST_F(AdmissionQueue, AProviderWithNoRequestsLeftIsSentNothingUntilItsReset) {
    start(0ms, "", kProviderExhausted);
    ASSERT_EQ(post_json(gateway_->port(), "/v1/chat/completions", kChat).status, 200u);
    const auto answered = Clock::now();
    const HttpResult second = post_json(gateway_->port(), "/v1/chat/completions", kChat);
    EXPECT_EQ(second.status, 200u) << second.body;
    EXPECT_GE(Clock::now() - answered, 900ms) << "sent before the provider's reset";
    EXPECT_EQ(requests_seen(*upstream_), 2u);
}

// With a queue that does not wait that long, the held request is refused by the gateway:
// the provider never sees it.
TEST_F(AdmissionQueue, AProviderWithNoRequestsLeftIsNotSentWhatItWouldRefuse) {
    start(0ms, "    queue: { max_wait: 200ms }\n", kProviderExhausted);
    ASSERT_EQ(post_json(gateway_->port(), "/v1/chat/completions", kChat).status, 200u);
    const std::vector<HttpResult> second{post_json(gateway_->port(), "/v1/chat/completions", kChat)};
    EXPECT_EQ(second[0].status, 429u) << second[0].body;
    ASSERT_NO_FATAL_FAILURE(expect_saturated(second));
    EXPECT_NE(second[0].body.find("provider reported its rate limit used up"), std::string::npos) << second[0].body;
    EXPECT_EQ(requests_seen(*upstream_), 1u);
}

}  // namespace
}  // namespace infergate::testing
