// Whatever an upstream sends, the client gets well-formed OpenAI output: every golden input is
// damaged at every byte (deleted, or replaced by a character that breaks JSON or SSE framing)
// and the translations must still produce only complete events of valid JSON, [DONE] at most
// once and last, or a clean error.
#include <string>

#include <gtest/gtest.h>

#include "damaged_input.hpp"
#include "golden_replay.hpp"
#include "infergate/stages/transform/anthropic_errors.hpp"
#include "infergate/stages/transform/anthropic_request.hpp"
#include "infergate/stages/transform/anthropic_response.hpp"
#include "infergate/stages/transform/anthropic_stream.hpp"
#include "infergate/streaming/sse.hpp"

namespace infergate::transform::anthropic {
namespace {

using damaged::expect_well_formed;
using damaged::for_each_damaged;
using damaged::is_json_object;

std::string read_golden(const std::string& name) { return golden::read("anthropic", name); }

TEST(AnthropicRobustness, DamagedStreamsYieldWellFormedEvents) {
    for (const char* name : {"text", "tool_call", "usage", "error_mid_stream", "thinking"}) {
        for_each_damaged(read_golden(std::string(name) + ".anthropic.sse"), [](const std::string& input) {
            StreamTranslator translator({.created = 1, .include_usage = true, .backend = "b"});
            const std::string out = golden::relay(translator, input + "\n\n", 0);  // a damaged last event still ends
            expect_well_formed(out, translator, input);
            const sse::Usage usage = translator.usage();
            EXPECT_GE(usage.prompt_tokens, usage.cached_tokens);
        });
    }
}

TEST(AnthropicRobustness, DamagedAnswersAreValidJsonOrAnInvalidResponse) {
    for_each_damaged(read_golden("tool_use.anthropic-response.json"), [](const std::string& input) {
        auto result = translate_response(input, 1, "b");
        if (const auto* completion = std::get_if<ChatCompletion>(&result)) {
            EXPECT_TRUE(is_json_object(completion->body)) << input;
        } else {
            EXPECT_EQ(std::get<api::Error>(result).code, "upstream_invalid_response");
        }
        const api::Error error = translate_error(400, input, "b");
        EXPECT_TRUE(error.status >= 400 && error.status < 600);
        EXPECT_TRUE(is_json_object(api::render_error(error)));
    });
}

TEST(AnthropicRobustness, DamagedRequestsTranslateOrAre400s) {
    for_each_damaged(read_golden("conversation.openai-request.json"), [](const std::string& input) {
        auto result = translate_request(input, {.upstream_model = "m", .default_max_tokens = 16});
        if (const auto* request = std::get_if<MessagesRequest>(&result)) {
            EXPECT_TRUE(is_json_object(request->body)) << input;
        } else {
            EXPECT_EQ(std::get<api::Error>(result).status, 400u) << input;
        }
    });
}

}  // namespace
}  // namespace infergate::transform::anthropic
