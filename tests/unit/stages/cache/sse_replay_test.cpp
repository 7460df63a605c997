#include "infergate/stages/cache/sse_replay.hpp"

#include <gtest/gtest.h>

#include "infergate/streaming/sse.hpp"
#include "unit/stages/cache/cache_test_streams.hpp"

namespace infergate::cache {
namespace {

using nlohmann::json;

constexpr std::string_view kChatBody = R"({
  "id": "chatcmpl-9", "object": "chat.completion", "created": 1700000001, "model": "gpt-4o",
  "system_fingerprint": "fp_1",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there",
               "reasoning_content": "Short.", "refusal": null}, "logprobs": null,
               "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}})";

Entry entry_of(std::string_view body) {
    auto entry = make_entry(std::string(body));
    EXPECT_TRUE(entry) << body;
    return entry.value_or(Entry{});
}

// Every event is `data: <json>` of an OpenAI chunk, the last one is [DONE].
std::vector<json> chunks_of(const std::string& stream) {
    std::vector<json> chunks;
    const auto events = test::events_of(stream);
    EXPECT_FALSE(events.empty());
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(sse::find_event_end(events[i]), events[i].size());
        if (i + 1 == events.size()) {
            EXPECT_TRUE(sse::is_done_event(events[i]));
            break;
        }
        const auto data = sse::first_data(events[i]);
        EXPECT_TRUE(data);
        chunks.push_back(json::parse(*data));
    }
    return chunks;
}

TEST(ResponseCacheReplay, ChatBodyBecomesValidChunksThatReassemble) {
    const auto stream = sse_replay(entry_of(kChatBody));
    ASSERT_TRUE(stream);
    const auto chunks = chunks_of(*stream);
    ASSERT_EQ(chunks.size(), 4u);  // role, reasoning, content, finish
    std::string content, reasoning;
    for (const json& chunk : chunks) {
        EXPECT_EQ(chunk["object"], "chat.completion.chunk");
        EXPECT_EQ(chunk["id"], "chatcmpl-9");
        EXPECT_EQ(chunk["created"], 1700000001);
        EXPECT_EQ(chunk["model"], "gpt-4o");
        EXPECT_EQ(chunk["system_fingerprint"], "fp_1");
        EXPECT_FALSE(chunk.contains("usage"));  // the client did not ask for it
        ASSERT_EQ(chunk["choices"].size(), 1u);
        const json& delta = chunk["choices"][0]["delta"];
        content += delta.value("content", "");
        reasoning += delta.value("reasoning_content", "");
    }
    EXPECT_EQ(chunks.front()["choices"][0]["delta"]["role"], "assistant");
    EXPECT_EQ(content, "Hello there");
    EXPECT_EQ(reasoning, "Short.");
    EXPECT_TRUE(chunks[2]["choices"][0]["finish_reason"].is_null());
    EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"], "stop");
}

TEST(ResponseCacheReplay, UsageChunkOnlyWhenAskedAndIdCanBeTheRequests) {
    const auto stream =
        sse_replay(entry_of(kChatBody), {.id = "chatcmpl-new", .include_usage = true});
    ASSERT_TRUE(stream);
    const auto chunks = chunks_of(*stream);
    ASSERT_EQ(chunks.size(), 5u);
    for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
        EXPECT_TRUE(chunks[i]["usage"].is_null()) << i;  // present and null, as OpenAI does
    }
    const json& last = chunks.back();
    EXPECT_EQ(last["id"], "chatcmpl-new");
    EXPECT_TRUE(last["choices"].empty());
    EXPECT_EQ(last["usage"]["total_tokens"], 7);
}

TEST(ResponseCacheReplay, ToolCallsTravelWholeWithTheirIndex) {
    const auto stream = sse_replay(entry_of(R"({"id":"c","object":"chat.completion","created":1,
        "model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,
        "tool_calls":[{"id":"call_a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},
                      {"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]},
        "logprobs":null,"finish_reason":"tool_calls"}]})"));
    ASSERT_TRUE(stream);
    const auto chunks = chunks_of(*stream);
    ASSERT_EQ(chunks.size(), 3u);  // role, tool calls, finish
    const json& calls = chunks[1]["choices"][0]["delta"]["tool_calls"];
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[1]["index"], 1);
    EXPECT_EQ(calls[1]["id"], "call_b");
    EXPECT_EQ(calls[0]["function"]["arguments"], "{\"x\":1}");
    EXPECT_EQ(chunks[2]["choices"][0]["finish_reason"], "tool_calls");
}

TEST(ResponseCacheReplay, TextCompletionBecomesTextChunks) {
    const auto stream = sse_replay(entry_of(R"({"id":"cmpl-1","object":"text_completion",
        "created":2,"model":"m","choices":[{"text":"abc","index":0,"logprobs":null,
        "finish_reason":"length"}]})"));
    ASSERT_TRUE(stream);
    const auto chunks = chunks_of(*stream);
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunks[0]["object"], "text_completion");
    EXPECT_EQ(chunks[0]["choices"][0]["text"], "abc");
    EXPECT_EQ(chunks[1]["choices"][0]["finish_reason"], "length");
}

TEST(ResponseCacheReplay, RefusesWhatCannotBeStreamedFaithfully) {
    EXPECT_FALSE(sse_replay(entry_of(R"({"object":"list","data":[{"embedding":[0.1]}]})")));
    EXPECT_FALSE(sse_replay(entry_of(R"({"object":"chat.completion","choices":[{"index":0,
        "message":{"role":"assistant","content":"a"},"logprobs":{"content":[]},
        "finish_reason":"stop"}]})")));
    EXPECT_FALSE(sse_replay(entry_of(R"({"object":"chat.completion","choices":[{"index":0}]})")));
    EXPECT_FALSE(
        sse_replay(entry_of(R"({"object":"chat.completion","choices":[{"message":"hi"}]})")));
}

}  // namespace
}  // namespace infergate::cache
