#include "infergate/stages/cache/stream_collector.hpp"

#include <gtest/gtest.h>

#include "infergate/stages/cache/sse_replay.hpp"
#include "unit/stages/cache/cache_test_streams.hpp"

namespace infergate::cache {
namespace {

using nlohmann::json;

StreamCollector collect(const std::vector<std::string>& events, std::size_t max = 1 << 20) {
    StreamCollector collector(max);
    for (const auto& event : events) collector.on_event(event);
    return collector;
}

TEST(ResponseCacheCollector, RebuildsTheChatCompletion) {
    const auto body = collect(test::upstream_stream()).body();
    ASSERT_TRUE(body);
    const json completion = json::parse(*body);
    EXPECT_EQ(completion["object"], "chat.completion");
    EXPECT_EQ(completion["id"], "chatcmpl-1");
    EXPECT_EQ(completion["created"], 1700000000);
    EXPECT_EQ(completion["model"], "gpt-4o");
    const json& choice = completion["choices"][0];
    EXPECT_EQ(choice["finish_reason"], "tool_calls");
    const json& message = choice["message"];
    EXPECT_EQ(message["role"], "assistant");
    EXPECT_EQ(message["content"], "Hello \"quoted\" \u00e9");
    EXPECT_EQ(message["reasoning_content"], "Thinking.");
    EXPECT_FALSE(message.contains("refusal"));
    ASSERT_EQ(message["tool_calls"].size(), 2u);
    EXPECT_EQ(message["tool_calls"][0]["id"], "call_a");
    EXPECT_EQ(message["tool_calls"][0]["function"]["name"], "get_weather");
    EXPECT_EQ(message["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Paris\"}");
    EXPECT_EQ(message["tool_calls"][1]["function"]["name"], "get_time");
    EXPECT_EQ(completion["usage"]["total_tokens"], 21);
    const auto entry = collect(test::upstream_stream()).entry();
    ASSERT_TRUE(entry);
    ASSERT_TRUE(entry->usage);
    EXPECT_EQ(entry->usage->completion_tokens, 12);
}

TEST(ResponseCacheCollector, RoundTripsThroughReplay) {
    const auto first = collect(test::upstream_stream()).entry();
    ASSERT_TRUE(first);
    const auto replayed = sse_replay(*first, {.include_usage = true});
    ASSERT_TRUE(replayed);
    const auto second = collect(test::events_of(*replayed)).body();
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, first->body);
}

TEST(ResponseCacheCollector, ToolCallWithoutTextHasNullContent) {
    const auto body =
        collect(
            {
                test::event(
                    R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"x","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]})"),
                test::event(
                    R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"),
                test::event("[DONE]"),
            })
            .body();
    ASSERT_TRUE(body);
    EXPECT_TRUE(json::parse(*body)["choices"][0]["message"]["content"].is_null());
}

TEST(ResponseCacheCollector, GivesUpOnBrokenOrUnfinishedStreams) {
    auto events = test::upstream_stream();
    // No [DONE]: the stream was cut.
    auto cut = events;
    cut.pop_back();
    EXPECT_FALSE(collect(cut).body());
    // An error event mid-stream.
    auto errored = events;
    errored.insert(errored.begin() + 3, test::event(R"({"error":{"message":"overloaded"}})"));
    EXPECT_FALSE(collect(errored).body());
    // Not JSON.
    auto garbled = events;
    garbled[4] = test::event("{not json");
    EXPECT_FALSE(collect(garbled).body());
    // The relay saw a transport failure even though [DONE] came.
    StreamCollector failed = collect(events);
    failed.on_error();
    EXPECT_FALSE(failed.body());
    // More text than an entry may hold.
    EXPECT_FALSE(collect(events, 10).body());
    // Logprobs cannot be rebuilt.
    auto with_logprobs = events;
    with_logprobs[4] = test::event(
        R"({"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"},"logprobs":{"content":[]}}]})");
    EXPECT_FALSE(collect(with_logprobs).body());
    // Something after [DONE].
    auto trailing = events;
    trailing.push_back(events[4]);
    EXPECT_FALSE(collect(trailing).body());
    EXPECT_TRUE(collect(events).done());
}

}  // namespace
}  // namespace infergate::cache
