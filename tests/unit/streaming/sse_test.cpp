#include "infergate/streaming/sse.hpp"

#include <gtest/gtest.h>

#include <string>

namespace infergate::sse {
namespace {

TEST(SseEvents, FindsTheEndOfAnEventWhateverTheLineEndings) {
    EXPECT_EQ(find_event_end("data: a\n\ndata: b\n\n"), 9u);
    EXPECT_EQ(find_event_end("data: a\r\n\r\nrest"), 11u);
    EXPECT_EQ(find_event_end("data: a\r\rrest"), 9u);
    EXPECT_EQ(find_event_end("event: x\ndata: a\n\n"), 18u);
    EXPECT_EQ(find_event_end(": keep-alive\n\n"), 14u);
}

TEST(SseEvents, IncompleteEventsAreNotCut) {
    EXPECT_EQ(find_event_end("data: a\n"), npos);
    EXPECT_EQ(find_event_end("data: a"), npos);
    EXPECT_EQ(find_event_end("data: a\r\n\r"), npos);  // a LF may still follow
    EXPECT_EQ(find_event_end(""), npos);
}

TEST(SseEvents, EveryByteSplitReassemblesTheSameEvents) {
    const std::string stream = "data: {\"a\":1}\n\ndata: [DONE]\r\n\r\n: ping\r\rdata: x\n\n";
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        // Feed the first `cut` bytes, then the rest, as the relay does.
        std::string buffer = stream.substr(0, cut);
        std::vector<std::string> events;
        auto drain = [&] {
            for (std::size_t end; (end = find_event_end(buffer)) != npos;) {
                events.push_back(buffer.substr(0, end));
                buffer.erase(0, end);
            }
        };
        drain();
        buffer += stream.substr(cut);
        drain();
        ASSERT_EQ(events.size(), 4u) << "cut at " << cut;
        EXPECT_EQ(events[1], "data: [DONE]\r\n\r\n");
        EXPECT_TRUE(buffer.empty());
    }
}

TEST(SseEvents, ReadsDataAndDone) {
    EXPECT_EQ(first_data("event: x\r\ndata: {}\r\n\r\n"), "{}");
    EXPECT_EQ(first_data("data:{}\n\n"), "{}");
    EXPECT_FALSE(first_data(": comment\n\n").has_value());
    EXPECT_TRUE(is_done_event("data: [DONE]\n\n"));
    EXPECT_FALSE(is_done_event("data: [DONE]x\n\n"));
}

TEST(SseEvents, FindsUsageOnlyWhenPresent) {
    const auto usage = find_usage(R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}})");
    ASSERT_TRUE(usage);
    EXPECT_EQ(usage->prompt_tokens, 12);
    EXPECT_EQ(usage->completion_tokens, 7);
    EXPECT_FALSE(find_usage(R"({"choices":[],"usage":null})"));
    EXPECT_FALSE(find_usage(R"({"choices":[]})"));
    EXPECT_FALSE(find_usage(R"({"usage":{"prompt_tokens":1})"));  // broken JSON
}

TEST(SseEvents, UsageMayBeSpacedAndFollowANullOne) {
    const auto spaced = find_usage("{\"usage\" :\n {\"prompt_tokens\":3,\"completion_tokens\":4}}");
    ASSERT_TRUE(spaced);
    EXPECT_EQ(spaced->completion_tokens, 4);
    // A nested "usage":null first, the real one later: the pre-check must look past the first.
    const auto later = find_usage(R"({"meta":{"usage":null},"usage":{"prompt_tokens":5,"completion_tokens":6}})");
    ASSERT_TRUE(later);
    EXPECT_EQ(later->prompt_tokens, 5);
    // The word inside a string (escaped quotes) is not a key.
    EXPECT_FALSE(mentions_usage_object(R"({"content":"say \"usage\": {"})"));
}

TEST(SseEvents, DataLineAfterBareCrLines) {
    EXPECT_EQ(first_data("event: x\rid: 1\rdata: y\r\r"), "y");
    EXPECT_EQ(first_data("data: last"), "last");  // no terminator at all
    EXPECT_EQ(find_event_end("id: 1\rdata: y\r\rnext"), 15u);
}

TEST(Sse, CarriesContentTellsOutputFromPreamble) {
    EXPECT_FALSE(sse::carries_content(R"({"choices":[{"delta":{"role":"assistant","content":""}}]})"));
    EXPECT_FALSE(sse::carries_content(R"({"choices":[{"delta":{"content":null}}]})"));
    EXPECT_FALSE(sse::carries_content(R"({"choices":[],"usage":{"prompt_tokens":3}})"));
    EXPECT_TRUE(sse::carries_content(R"({"choices":[{"delta":{"content":"Hi"}}]})"));
    EXPECT_TRUE(sse::carries_content(R"({"choices":[{"delta":{"content": " x"}}]})"));
    EXPECT_TRUE(sse::carries_content(R"({"choices":[{"text":"Once"}]})"));
    EXPECT_TRUE(sse::carries_content(R"({"choices":[{"delta":{"reasoning_content":"think"}}]})"));
    EXPECT_TRUE(sse::carries_content(R"({"choices":[{"delta":{"tool_calls":[{"index":0}]}}]})"));
    // Only whole keys: "subtext" and "context" are not "text"; colons inside strings are not
    // keys, nor is an escaped "content" inside another string.
    EXPECT_FALSE(sse::carries_content(R"({"subtext":"a","context":"b","note":"x: \"content\":\"y\""})"));
    EXPECT_FALSE(sse::carries_content(R"({"choices":[{"delta":{"content":""}}],"at":"12:30"})"));
    // Spaces around the colon, as a JSON encoder may write them.
    EXPECT_TRUE(sse::carries_content("{\"choices\":[{\"delta\":{\"content\" :\n \"Hi\"}}]}"));
}

}  // namespace
}  // namespace infergate::sse
