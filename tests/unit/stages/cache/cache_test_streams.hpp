// Streams and bodies shared by the replay and collector tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace infergate::cache::test {

// Splits an SSE byte stream into its events (each with its "\n\n").
inline std::vector<std::string> events_of(std::string_view stream) {
    std::vector<std::string> events;
    for (std::size_t end; (end = stream.find("\n\n")) != std::string_view::npos;) {
        events.emplace_back(stream.substr(0, end + 2));
        stream.remove_prefix(end + 2);
    }
    return events;
}

inline std::string event(std::string_view data) { return "data: " + std::string(data) + "\n\n"; }

// What an OpenAI upstream streams for a tool call with reasoning, split into small fragments.
inline std::vector<std::string> upstream_stream() {
    const std::string head =
        R"("id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o")";
    auto chunk = [&](std::string_view delta, std::string_view finish = "null") {
        return event("{" + head + R"(,"choices":[{"index":0,"delta":)" + std::string(delta) +
                     R"(,"logprobs":null,"finish_reason":)" + std::string(finish) + "}]}");
    };
    return {
        ": keep-alive comment\n\n",
        chunk(R"({"role":"assistant","content":"","refusal":null})"),
        chunk(R"({"reasoning_content":"Think"})"),
        chunk(R"({"reasoning_content":"ing."})"),
        chunk(R"({"content":"Hel"})"),
        chunk(R"({"content":"lo \"quoted\" \u00e9"})"),
        chunk(
            R"({"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]})"),
        chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]})"),
        chunk(
            R"({"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]})"),
        chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]})"),
        chunk("{}", R"("tool_calls")"),
        event(
            "{" + head +
            R"(,"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}})"),
        event("[DONE]"),
    };
}

}  // namespace infergate::cache::test
