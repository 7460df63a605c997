// Replays the golden Gemini transcripts (tests/golden/gemini) through the stream translator
// and compares the client's stream byte for byte: whole, and with the upstream bytes split at
// every position, as TCP may deliver them; the body's end is finish(). Also the recorded
// request and answer bodies, each way.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/transform/gemini_request.hpp"
#include "infergate/stages/transform/gemini_response.hpp"
#include "infergate/stages/transform/gemini_stream.hpp"
#include "golden_replay.hpp"

namespace infergate::transform::gemini {
namespace {

std::string read_golden(const std::string& name) { return golden::read("gemini", name); }

// The client's stream for `upstream` split at `split`; the end of the body is finish().
std::string relay(const std::string& name, std::string_view upstream, std::size_t split) {
    StreamTranslator translator({.created = 1700000000, .include_usage = name == "usage", .backend = "gemini"});
    std::string client = golden::relay(translator, upstream, split);
    translator.finish(client);
    EXPECT_TRUE(translator.finished()) << name;
    EXPECT_EQ(translator.error().has_value(), name == "error_mid_stream" || name == "cut") << name;
    return client;
}

class GeminiGoldenTranscript : public ::testing::TestWithParam<std::string> {};

TEST_P(GeminiGoldenTranscript, TranslatesTheSameWholeAndWhereverTheBytesSplit) {
    const std::string upstream = read_golden(GetParam() + ".gemini.sse");
    golden::expect_at_every_split(upstream.size(), read_golden(GetParam() + ".openai.sse"),
                                  [&](std::size_t split) { return relay(GetParam(), upstream, split); });
}

INSTANTIATE_TEST_SUITE_P(Gemini, GeminiGoldenTranscript,
                         ::testing::Values("text", "tool_call", "usage", "error_mid_stream", "cut"),
                         [](const auto& info) { return info.param; });

// Bodies are compared as JSON values: the files stay readable, and what the client or the
// upstream reads is the value, not the spacing.
TEST(GeminiGoldenBody, RequestTranslatesAsRecorded) {
    const auto result = translate_request(read_golden("conversation.openai-request.json"), {});
    ASSERT_TRUE(std::holds_alternative<GenerateRequest>(result)) << std::get<api::Error>(result).message;
    const GenerateRequest& request = std::get<GenerateRequest>(result);
    EXPECT_EQ(nlohmann::json::parse(request.body), nlohmann::json::parse(read_golden("conversation.gemini-request.json")));
    EXPECT_TRUE(request.stream);
    EXPECT_TRUE(request.include_usage);
}

TEST(GeminiGoldenBody, AnswerTranslatesAsRecorded) {
    const auto result = translate_response(read_golden("answer.gemini-response.json"), 1700000000, "gemini");
    ASSERT_TRUE(std::holds_alternative<ChatCompletion>(result)) << std::get<api::Error>(result).message;
    EXPECT_EQ(nlohmann::json::parse(std::get<ChatCompletion>(result).body),
              nlohmann::json::parse(read_golden("answer.openai-response.json")));
}

}  // namespace
}  // namespace infergate::transform::gemini
