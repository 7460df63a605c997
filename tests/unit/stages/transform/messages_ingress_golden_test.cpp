// Replays the golden inbound-Messages transcripts (tests/golden/messages_ingress) through the
// stream translator and compares the client's Anthropic stream byte for byte: whole, and with
// the backend's bytes split at every position. Also the recorded request and answer bodies.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/transform/messages_ingress_request.hpp"
#include "infergate/stages/transform/messages_ingress_response.hpp"
#include "infergate/stages/transform/messages_ingress_stream.hpp"
#include "golden_support.hpp"

namespace infergate::transform::messages_ingress {
namespace {

std::string read_golden(const std::string& name) { return golden::read("messages_ingress/" + name); }

// Translates `upstream` read in two parts split at `split`, then ends the body.
std::string translate(const std::string& upstream, std::size_t split) {
    StreamTranslator translator({.backend = "vllm-a"});
    std::string out;
    golden::replay(upstream, split, [&](std::string_view event) { translator.on_sse_event(event, out); });
    EXPECT_TRUE(translator.finished());
    translator.finish(out);  // after [DONE] or an error: nothing more
    return out;
}

class MessagesIngressGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(MessagesIngressGolden, TranslatesTheWholeStream) {
    const std::string upstream = read_golden(GetParam() + ".openai.sse");
    EXPECT_EQ(translate(upstream, upstream.size()), read_golden(GetParam() + ".anthropic.sse"));
}

TEST_P(MessagesIngressGolden, TranslatesTheSameWhereverTheBytesSplit) {
    const std::string upstream = read_golden(GetParam() + ".openai.sse");
    const std::string expected = read_golden(GetParam() + ".anthropic.sse");
    for (std::size_t split = 0; split <= upstream.size(); ++split) {
        ASSERT_EQ(translate(upstream, split), expected) << "split at byte " << split;
    }
}

INSTANTIATE_TEST_SUITE_P(MessagesIngress, MessagesIngressGolden,
                         ::testing::Values("text", "tool_use", "thinking", "usage", "error_mid_stream"),
                         [](const auto& info) { return info.param; });

// Bodies are compared as JSON values: the files stay readable.
TEST(MessagesIngressGoldenBody, RequestTranslatesAsRecorded) {
    auto result = translate_request(read_golden("conversation.anthropic-request.json"));
    ASSERT_TRUE(std::holds_alternative<ChatRequest>(result)) << std::get<api::Error>(result).message;
    const ChatRequest& request = std::get<ChatRequest>(result);
    EXPECT_EQ(nlohmann::json::parse(request.openai_body),
              nlohmann::json::parse(read_golden("conversation.openai-request.json")));
    EXPECT_TRUE(request.stream);
    EXPECT_EQ(request.max_tokens, 2048);
    EXPECT_EQ(request.model, "claude-sonnet-4-5");
}

TEST(MessagesIngressGoldenBody, AnswerTranslatesAsRecorded) {
    auto result = translate_response(read_golden("tool_use.openai-response.json"), "vllm-a");
    ASSERT_TRUE(std::holds_alternative<MessagesResponse>(result)) << std::get<api::Error>(result).message;
    EXPECT_EQ(nlohmann::json::parse(std::get<MessagesResponse>(result).body),
              nlohmann::json::parse(read_golden("tool_use.anthropic-response.json")));
}

}  // namespace
}  // namespace infergate::transform::messages_ingress
