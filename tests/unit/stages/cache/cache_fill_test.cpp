// cache::Fill: what a miss stores, from a plain body or from the stream the client was sent.
#include <gtest/gtest.h>

#include "infergate/stages/cache/cache_fill.hpp"
#include "unit/stages/cache/cache_test_streams.hpp"

namespace infergate::cache {
namespace {

const std::string kBody =
    R"({"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})";

std::string chunk(std::string_view delta, std::string_view finish = "null") {
    return test::event(R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":)" +
                       std::string(delta) + R"(,"finish_reason":)" + std::string(finish) + "}]}");
}

TEST(CacheFill, StoresAPlainBodyWithItsUsage) {
    Fill fill(CacheKey{}, std::chrono::seconds(5), 1024);
    fill.on_body(std::string(kBody));
    const auto entry = fill.take_entry();
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->body, kBody);
    ASSERT_TRUE(entry->usage);
    EXPECT_EQ(entry->usage->completion_tokens, 1);
}

TEST(CacheFill, RefusesABodyOverTheEntryCapOrNothingAtAll) {
    Fill big(CacheKey{}, std::chrono::seconds(5), 16);
    big.on_body(std::string(kBody));
    EXPECT_FALSE(big.take_entry());
    Fill none(CacheKey{}, std::chrono::seconds(5), 1024);
    EXPECT_FALSE(none.take_entry());
}

TEST(CacheFill, ARetriedStreamKeepsOnlyTheLastAttempt) {
    Fill fill(CacheKey{}, std::chrono::seconds(5), 1024);
    fill.on_stream_start();
    fill.on_event(chunk(R"({"role":"assistant","content":""})"));
    fill.on_event(chunk(R"({"content":"first attempt"})"));  // then the upstream failed
    fill.on_stream_start();
    fill.on_event(chunk(R"({"role":"assistant","content":""})"));
    fill.on_event(chunk(R"({"content":"hi"})"));
    fill.on_event(chunk("{}", R"("stop")"));
    fill.on_event(test::event("[DONE]"));
    const auto entry = fill.take_entry();
    ASSERT_TRUE(entry);
    const auto body = nlohmann::json::parse(entry->body);
    EXPECT_EQ(body["choices"][0]["message"]["content"], "hi");
}

TEST(CacheFill, AStreamWithoutDoneIsNotStored) {
    Fill fill(CacheKey{}, std::chrono::seconds(5), 1024);
    fill.on_stream_start();
    fill.on_event(chunk(R"({"role":"assistant","content":"hi"})"));
    fill.on_event(chunk("{}", R"("stop")"));
    EXPECT_FALSE(fill.take_entry());
}

}  // namespace
}  // namespace infergate::cache
