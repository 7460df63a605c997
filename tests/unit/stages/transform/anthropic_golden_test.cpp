// Replays the golden Anthropic transcripts (tests/golden/anthropic) through the stream
// translator and compares the client's stream byte for byte: whole, and with the upstream
// bytes split at every position, as TCP may deliver them. Also the recorded request and answer
// bodies, each way.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/transform/anthropic_request.hpp"
#include "infergate/stages/transform/anthropic_response.hpp"
#include "infergate/stages/transform/anthropic_stream.hpp"
#include "golden_support.hpp"

namespace infergate::transform::anthropic {
namespace {

std::string read_golden(const std::string& name) { return golden::read("anthropic/" + name); }

StreamOptions options_for(const std::string& name) {
    return {.created = 1700000000, .include_usage = name == "usage", .backend = "anthropic"};
}

// Feeds `upstream` in two reads split at `split`, translating each complete event as the relay
// would: events are cut where sse::find_event_end says, whatever the reads were.
std::string translate(const std::string& name, const std::string& upstream, std::size_t split) {
    StreamTranslator translator(options_for(name));
    std::string out;
    golden::replay(upstream, split, [&](std::string_view event) { translator.on_sse_event(event, out); });
    EXPECT_TRUE(translator.finished()) << name;
    return out;
}

class GoldenTranscript : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTranscript, TranslatesTheWholeStream) {
    const std::string upstream = read_golden(GetParam() + ".anthropic.sse");
    EXPECT_EQ(translate(GetParam(), upstream, upstream.size()), read_golden(GetParam() + ".openai.sse"));
}

TEST_P(GoldenTranscript, TranslatesTheSameWhereverTheBytesSplit) {
    const std::string upstream = read_golden(GetParam() + ".anthropic.sse");
    const std::string expected = read_golden(GetParam() + ".openai.sse");
    for (std::size_t split = 0; split <= upstream.size(); ++split) {
        ASSERT_EQ(translate(GetParam(), upstream, split), expected) << "split at byte " << split;
    }
}

INSTANTIATE_TEST_SUITE_P(Anthropic, GoldenTranscript,
                         ::testing::Values("text", "tool_call", "usage", "error_mid_stream", "thinking"),
                         [](const auto& info) { return info.param; });

// Request and answer bodies are compared as JSON values: the files stay readable, and what
// the client or the upstream reads is the value, not the spacing.
TEST(AnthropicGoldenBody, RequestTranslatesAsRecorded) {
    auto result = translate_request(read_golden("conversation.openai-request.json"),
                                    {.upstream_model = "claude-sonnet-4-5-20250929", .default_max_tokens = 4096});
    ASSERT_TRUE(std::holds_alternative<MessagesRequest>(result)) << std::get<api::Error>(result).message;
    const MessagesRequest& request = std::get<MessagesRequest>(result);
    EXPECT_EQ(nlohmann::json::parse(request.body),
              nlohmann::json::parse(read_golden("conversation.anthropic-request.json")));
    EXPECT_TRUE(request.stream);
    EXPECT_TRUE(request.include_usage);
}

TEST(AnthropicGoldenBody, AnswerTranslatesAsRecorded) {
    auto result = translate_response(read_golden("tool_use.anthropic-response.json"), 1700000000, "anthropic");
    ASSERT_TRUE(std::holds_alternative<ChatCompletion>(result)) << std::get<api::Error>(result).message;
    EXPECT_EQ(nlohmann::json::parse(std::get<ChatCompletion>(result).body),
              nlohmann::json::parse(read_golden("tool_use.openai-response.json")));
}

}  // namespace
}  // namespace infergate::transform::anthropic
