// What the provider robustness tests share: damaging an input at every byte, and checking that
// what the client gets is well-formed OpenAI output.
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "infergate/json/scanner.hpp"
#include "infergate/streaming/sse.hpp"

namespace infergate::transform::damaged {

// Each damaged copy of `text`: one byte deleted, or replaced by one of `replacements`.
template <class Check>
void for_each_damaged(const std::string& text, Check check) {
    constexpr std::string_view kReplacements = "\"}\\\n\x80";
    for (std::size_t at = 0; at < text.size(); ++at) {
        std::string damaged = text;
        damaged.erase(at, 1);
        check(damaged);
        for (const char replacement : kReplacements) {
            damaged = text;
            damaged[at] = replacement;
            check(damaged);
        }
    }
}

inline bool is_json_object(std::string_view text) {
    auto ignore = [](const json::Member&) {};
    return !json::scan_object(text, 64, ignore);
}

// The client's stream: complete `data:` events, each a JSON object, or [DONE] as the last one.
template <class Translator>
void expect_well_formed(const std::string& out, const Translator& translator, const std::string& input) {
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

}  // namespace infergate::transform::damaged
