// The pipeline runs stages in order, stops at the first verdict, awaits a stage only when it
// asks to wait, and finishes the entered stages in reverse order.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "infergate/api/openai_request.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/pipeline/pipeline.hpp"
#include "infergate/stages/auth/api_key.hpp"
#include "infergate/stages/quota/local_quota_store.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::pipeline {
namespace {

// What each stage did, in order: "a", "b:waited", "finish:a", ...
using Journal = std::vector<std::string>;

// Decides at once (next or reject), or waits a turn of the event loop and then decides.
class ScriptedStage final : public Stage {
public:
    enum class Verdict { next, reject };
    ScriptedStage(std::string name, Verdict verdict, bool waits, Journal& journal)
        : name_(std::move(name)), verdict_(verdict), waits_(waits), journal_(journal) {}

    std::string_view name() const noexcept override { return name_; }
    Outcome on_request(RequestContext&) const override {
        if (waits_) return Outcome::wait();
        journal_.push_back(name_);
        return decide();
    }
    net::awaitable<Outcome> on_request_async(RequestContext&) const override {
        co_await net::post(co_await net::this_coro::executor, net::use_awaitable);  // really suspends
        journal_.push_back(name_ + ":waited");
        co_return decide();
    }
    void on_finish(RequestContext&, const Completion&) const noexcept override {
        journal_.push_back("finish:" + name_);
    }

private:
    Outcome decide() const {
        return verdict_ == Verdict::next ? Outcome::next() : Outcome::reject(api::rate_limited("over"));
    }
    std::string name_;
    Verdict verdict_;
    bool waits_;
    Journal& journal_;
};

struct PipelineRun {
    Outcome outcome = Outcome::next();
    std::size_t entered = 0;
};

class PipelineTest : public ::testing::Test {
protected:
    PipelineTest() {
        config::LoadResult loaded = config::testing::load(config::testing::with_routes(""));
        snapshot_ = build_snapshot(std::move(*loaded.config), 1, metrics_).snapshot;
    }

    PipelineRun run_pipeline(const Pipeline& pipeline) {
        net::io_context io;
        RequestContext ctx(*snapshot_, headers_);
        PipelineRun result;
        auto done = net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                Outcome outcome = co_await pipeline.run_request(ctx, result.entered);
                result.outcome = std::move(outcome);
            },
            net::use_future);
        io.run();
        done.get();
        pipeline.finish(ctx, Completion{}, result.entered);
        return result;
    }

    template <class... Stages>
    Pipeline make(Stages&&... stages) {
        std::vector<StagePtr> list;
        (list.push_back(std::make_unique<ScriptedStage>(std::forward<Stages>(stages))), ...);
        return Pipeline(std::move(list));
    }

    observability::Metrics metrics_;
    std::shared_ptr<const Snapshot> snapshot_;
    http::request_header<> headers_;
    Journal journal_;
};

using V = ScriptedStage::Verdict;

TEST_F(PipelineTest, StagesThatDecideAtOnceRunInOrderAndFinishInReverse) {
    const Pipeline pipeline = make(ScriptedStage("a", V::next, false, journal_), ScriptedStage("b", V::next, false, journal_));
    const PipelineRun result = run_pipeline(pipeline);
    EXPECT_FALSE(result.outcome.rejected());
    EXPECT_EQ(result.entered, 2u);
    EXPECT_EQ(journal_, (Journal{"a", "b", "finish:b", "finish:a"}));
}

TEST_F(PipelineTest, AStageThatWaitsIsAwaitedAndItsVerdictStopsThePipeline) {
    const Pipeline pipeline = make(ScriptedStage("a", V::next, false, journal_),
                                   ScriptedStage("b", V::reject, true, journal_),
                                   ScriptedStage("c", V::next, false, journal_));
    const PipelineRun result = run_pipeline(pipeline);
    ASSERT_TRUE(result.outcome.rejected());
    EXPECT_FALSE(result.outcome.waits());
    EXPECT_EQ(result.outcome.error().code, "rate_limit_exceeded");
    EXPECT_EQ(result.entered, 2u);  // c never ran, so it is not finished either
    EXPECT_EQ(journal_, (Journal{"a", "b:waited", "finish:b", "finish:a"}));
}

TEST_F(PipelineTest, AWaitingStageThatAdmitsLetsTheNextOnesRun) {
    const Pipeline pipeline = make(ScriptedStage("a", V::next, true, journal_), ScriptedStage("b", V::next, false, journal_));
    const PipelineRun result = run_pipeline(pipeline);
    EXPECT_FALSE(result.outcome.rejected());
    EXPECT_FALSE(result.outcome.waits());
    EXPECT_EQ(journal_, (Journal{"a:waited", "b", "finish:b", "finish:a"}));
}

// A quota store that, like a remote one, answers only through admit(), after a real suspension.
class AwaitedQuotaStore final : public quota::QuotaStore {
public:
    net::awaitable<quota::Admission> admit(std::span<const quota::ScopeCheck> scopes,
                                           const quota::Amount& reserve) override {
        co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
        ++awaited;
        co_return inner_.admit_now(scopes, reserve);
    }
    void settle(const quota::Admission& admission, const quota::Amount& used) noexcept override {
        inner_.settle(admission, used);
    }
    net::awaitable<std::vector<quota::LimitUsage>> usage(std::string_view scope,
                                                         const config::ScopeLimits& limits) override {
        co_return inner_.usage_now(scope, limits);
    }
    void retain(const std::vector<std::string>& live_scopes) override { inner_.retain(live_scopes); }

    int awaited = 0;

private:
    quota::LocalQuotaStore inner_{"UTC"};
};

TEST_F(PipelineTest, AQuotaStoreThatMustBeAwaitedStillLimits) {
    const std::string key = "sk-ig-app-" + std::string(43, 'K');
    SnapshotPtr snapshot = config::testing::snapshot_of(
        config::testing::with_routes("auth:\n  keys:\n    - { id: app, sha256: \"" +
                                     auth::to_hex(auth::sha256_of(key)) +
                                     "\", limits: { requests_per_minute: 2 } }\n"),
        metrics_);
    ASSERT_NE(snapshot, nullptr);
    auto store = std::make_shared<AwaitedQuotaStore>();
    // Before any request: the snapshot was built here, mutable, and only this test holds it.
    const_cast<Snapshot&>(*snapshot).quota_store = store;

    const Pipeline pipeline = make_pipeline();
    http::request_header<> headers;
    headers.set(http::field::authorization, "Bearer " + key);
    std::vector<std::string> verdicts;
    std::string second_headers;
    for (int i = 0; i < 3; ++i) {
        net::io_context io;
        RequestContext ctx(*snapshot, headers);
        ctx.endpoint = api::Endpoint::chat_completions;
        ctx.body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
        ctx.request = std::get<api::ProxyRequest>(api::parse_proxy_request(ctx.body, ctx.endpoint));
        std::size_t entered = 0;
        auto done = net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                const Outcome outcome = co_await pipeline.run_request(ctx, entered);
                verdicts.push_back(outcome.rejected() ? outcome.error().code : "next");
            },
            net::use_future);
        io.run();
        done.get();
        if (i == 1) second_headers = ctx.response_headers;
        pipeline.finish(ctx, Completion{}, entered);
    }
    EXPECT_EQ(verdicts, (std::vector<std::string>{"next", "next", "rate_limit_exceeded"}));
    EXPECT_EQ(store->awaited, 3);
    EXPECT_NE(second_headers.find("x-ratelimit-remaining-requests: 0\r\n"), std::string::npos) << second_headers;
}

}  // namespace
}  // namespace infergate::pipeline
