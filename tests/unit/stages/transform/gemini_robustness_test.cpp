// Whatever Gemini sends, the client gets well-formed OpenAI output: every golden input is
// damaged at every byte and the translations must still produce only complete events of
// valid JSON, [DONE] at most once and last, or a clean error; damaged requests translate to
// valid JSON or are 400s.
#include <string>

#include <gtest/gtest.h>

#include "damaged_input.hpp"
#include "golden_replay.hpp"
#include "infergate/stages/transform/gemini_errors.hpp"
#include "infergate/stages/transform/gemini_request.hpp"
#include "infergate/stages/transform/gemini_response.hpp"
#include "infergate/stages/transform/gemini_stream.hpp"

namespace infergate::transform::gemini {
namespace {

TEST(GeminiRobustness, DamagedStreamsYieldWellFormedEvents) {
    for (const char* name : {"text", "tool_call", "usage", "error_mid_stream", "cut"}) {
        const std::string transcript = golden::read("gemini", std::string(name) + ".gemini.sse");
        damaged::for_each_damaged(transcript, [](const std::string& input) {
            StreamTranslator translator({.created = 1, .include_usage = true, .backend = "b"});
            std::string out = golden::relay(translator, input + "\n\n", 0);  // a damaged last event still ends
            translator.finish(out);
            damaged::expect_well_formed(out, translator, input);
            EXPECT_TRUE(translator.finished());
            const sse::Usage usage = translator.usage();
            EXPECT_GE(usage.completion_tokens, usage.reasoning_tokens);
        });
    }
}

TEST(GeminiRobustness, DamagedAnswersAreValidJsonOrAnError) {
    damaged::for_each_damaged(golden::read("gemini", "answer.gemini-response.json"), [](const std::string& input) {
        auto result = translate_response(input, 1, "b");
        if (const auto* completion = std::get_if<ChatCompletion>(&result)) {
            EXPECT_TRUE(damaged::is_json_object(completion->body)) << input;
        } else {
            EXPECT_EQ(std::get<api::Error>(result).code, "upstream_invalid_response") << input;
        }
        const api::Error error = translate_error(400, input, "b");
        EXPECT_TRUE(error.status >= 400 && error.status < 600);
        EXPECT_TRUE(damaged::is_json_object(api::render_error(error)));
    });
}

TEST(GeminiRobustness, DamagedRequestsTranslateOrAre400s) {
    damaged::for_each_damaged(golden::read("gemini", "conversation.openai-request.json"), [](const std::string& input) {
        auto result = translate_request(input, {});
        if (const auto* request = std::get_if<GenerateRequest>(&result)) {
            EXPECT_TRUE(damaged::is_json_object(request->body)) << input;
        } else {
            EXPECT_EQ(std::get<api::Error>(result).status, 400u) << input;
        }
    });
}

}  // namespace
}  // namespace infergate::transform::gemini
