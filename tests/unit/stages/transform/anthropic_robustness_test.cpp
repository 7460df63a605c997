// Whatever an upstream sends, the client gets well-formed OpenAI output: every golden input is
// damaged at every byte (deleted, or replaced by a character that breaks JSON or SSE framing)
// and the translations must still produce only complete events of valid JSON, [DONE] at most
// once and last, or a clean error.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "golden_support.hpp"
#include "infergate/stages/transform/anthropic_errors.hpp"
#include "infergate/stages/transform/anthropic_request.hpp"
#include "infergate/stages/transform/anthropic_response.hpp"
#include "infergate/stages/transform/anthropic_stream.hpp"
#include "infergate/streaming/sse.hpp"

namespace infergate::transform::anthropic {
namespace {

std::string read_golden(const std::string& name) { return golden::read("anthropic/" + name); }

using golden::for_each_damaged;
using golden::is_json_object;

// The client's stream: complete `data:` events, each a JSON object, or [DONE] as the last one.
void expect_well_formed(const std::string& out, const StreamTranslator& translator, const std::string& input) {
    std::string_view rest = out;
    bool done = false;
    std::string_view last;
    while (!rest.empty()) {
        const std::size_t end = sse::find_event_end(rest);
        ASSERT_NE(end, sse::npos) << input;
        const std::string_view event = rest.substr(0, end);
        ASSERT_FALSE(done) << "an event after [DONE]\n" << input;
        const auto data = sse::first_data(event);
        ASSERT_TRUE(data) << input;
        done = *data == "[DONE]";
        if (!done) ASSERT_TRUE(is_json_object(*data)) << *data << "\n" << input;
        last = *data;
        rest.remove_prefix(end);
    }
    if (translator.error()) {
        EXPECT_FALSE(done) << input;
        EXPECT_TRUE(last.starts_with(R"({"error":)")) << input;
    }
    EXPECT_EQ(done, translator.finished() && !translator.error()) << input;
}

TEST(AnthropicRobustness, DamagedStreamsYieldWellFormedEvents) {
    for (const char* name : {"text", "tool_call", "usage", "error_mid_stream", "thinking"}) {
        for_each_damaged(read_golden(std::string(name) + ".anthropic.sse"), [](const std::string& input) {
            StreamTranslator translator({.created = 1, .include_usage = true, .backend = "b"});
            std::string pending = input + "\n\n";  // a damaged last event still ends
            std::string out;
            std::size_t end = 0;
            while ((end = sse::find_event_end(pending)) != sse::npos) {
                translator.on_sse_event(std::string_view(pending).substr(0, end), out);
                pending.erase(0, end);
            }
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
