// Whatever a backend sends, the Anthropic client gets a well-formed Messages stream: every
// golden backend stream is damaged at every byte, and the output must still be complete
// events whose data is JSON of the event's type, blocks started in index order before their
// deltas and stops, and exactly one end: message_stop, or an error event.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "golden_support.hpp"
#include "infergate/stages/transform/messages_ingress_request.hpp"
#include "infergate/stages/transform/messages_ingress_response.hpp"
#include "infergate/stages/transform/messages_ingress_stream.hpp"

namespace infergate::transform::messages_ingress {
namespace {

using nlohmann::json;

void expect_well_formed(const std::string& out, const StreamTranslator& translator, const std::string& input) {
    std::string_view rest = out;
    std::string last;
    int started_blocks = 0;
    int open_block = -1;
    while (!rest.empty()) {
        const std::size_t end = sse::find_event_end(rest);
        ASSERT_NE(end, sse::npos) << input;
        const std::string_view event = rest.substr(0, end);
        rest.remove_prefix(end);
        ASSERT_TRUE(last != "message_stop" && last != "error") << "an event after the end\n" << input;
        ASSERT_TRUE(event.starts_with("event: ")) << input;
        const std::string name(event.substr(7, event.find('\n') - 7));
        const auto data = sse::first_data(event);
        ASSERT_TRUE(data && golden::is_json_object(*data)) << input;
        const json parsed = json::parse(*data);
        ASSERT_EQ(parsed["type"], name) << input;
        if (last.empty()) ASSERT_TRUE(name == "message_start" || name == "error") << input;
        if (name == "content_block_start") {
            ASSERT_EQ(parsed["index"], started_blocks) << input;
            ASSERT_EQ(open_block, -1) << input;
            open_block = started_blocks++;
        } else if (name == "content_block_delta") {
            ASSERT_LT(parsed["index"].get<int>(), started_blocks) << input;
        } else if (name == "content_block_stop") {
            ASSERT_EQ(parsed["index"], open_block) << input;
            open_block = -1;
        } else if (name == "message_stop") {
            ASSERT_EQ(last, "message_delta") << input;
        }
        last = name;
    }
    EXPECT_TRUE(translator.finished()) << input;
    EXPECT_EQ(last, translator.error() ? "error" : "message_stop") << input;
}

TEST(MessagesIngressRobustness, DamagedStreamsYieldWellFormedEvents) {
    for (const char* name : {"text", "tool_use", "thinking", "usage", "error_mid_stream"}) {
        golden::for_each_damaged(golden::read("messages_ingress/" + std::string(name) + ".openai.sse"),
                                 [](const std::string& input) {
                                     StreamTranslator translator({.backend = "b"});
                                     std::string out;
                                     golden::replay(input + "\n\n", 0, [&](std::string_view event) {
                                         translator.on_sse_event(event, out);
                                     });
                                     translator.finish(out);
                                     expect_well_formed(out, translator, input);
                                 });
    }
}

TEST(MessagesIngressRobustness, DamagedAnswersAreValidJsonOrAnInvalidResponse) {
    golden::for_each_damaged(golden::read("messages_ingress/tool_use.openai-response.json"), [](const std::string& input) {
        auto result = translate_response(input, "b");
        if (const auto* response = std::get_if<MessagesResponse>(&result)) {
            EXPECT_TRUE(golden::is_json_object(response->body)) << input;
        } else {
            EXPECT_EQ(std::get<api::Error>(result).code, "upstream_invalid_response");
        }
    });
}

TEST(MessagesIngressRobustness, DamagedRequestsTranslateOrAre400s) {
    golden::for_each_damaged(golden::read("messages_ingress/conversation.anthropic-request.json"), [](const std::string& input) {
        auto result = translate_request(input);
        if (const auto* request = std::get_if<ChatRequest>(&result)) {
            EXPECT_TRUE(golden::is_json_object(request->openai_body)) << input;
        } else {
            EXPECT_EQ(std::get<api::Error>(result).status, 400u) << input;
        }
    });
}

}  // namespace
}  // namespace infergate::transform::messages_ingress
