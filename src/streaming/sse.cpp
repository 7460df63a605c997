#include "infergate/streaming/sse.hpp"

#include <cstring>

#include "infergate/json/scanner.hpp"

namespace infergate::sse {

std::size_t find_event_end(std::string_view bytes) noexcept {
    std::size_t line_start = 0;
    std::size_t pos = 0;
    const std::size_t size = bytes.size();
    while (pos < size) {
        // Find the next line terminator (CRLF, LF or CR).
        const char* base = bytes.data();
        std::size_t term = pos;
        while (term < size && base[term] != '\n' && base[term] != '\r') ++term;
        if (term == size) return npos;
        std::size_t next = term + 1;
        if (base[term] == '\r') {
            if (next == size) return npos;  // CR at the end: a LF may still follow
            if (base[next] == '\n') ++next;
        }
        if (term == line_start) return next;  // an empty line ends the event
        line_start = next;
        pos = next;
    }
    return npos;
}

std::optional<std::string_view> first_data(std::string_view event) noexcept {
    std::size_t pos = 0;
    while (pos < event.size()) {
        std::size_t end = event.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) end = event.size();
        const std::string_view line = event.substr(pos, end - pos);
        if (line.starts_with("data:")) {
            std::string_view value = line.substr(5);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            return value;
        }
        pos = end + 1;
        if (end < event.size() && event[end] == '\r' && pos < event.size() && event[pos] == '\n') {
            ++pos;
        }
    }
    return std::nullopt;
}

bool is_done_event(std::string_view event) noexcept {
    const auto data = first_data(event);
    return data && *data == "[DONE]";
}

Usage read_usage(std::string_view usage_object) noexcept {
    Usage found;
    auto on_count = [&found](const json::Member& count) {
        if (count.kind != json::Kind::number) return;
        const auto value = json::parse_integer(count.value);
        if (!value || *value < 0) return;
        if (count.key == "prompt_tokens" || count.key == "input_tokens") {
            found.prompt_tokens = *value;
        } else if (count.key == "completion_tokens" || count.key == "output_tokens") {
            found.completion_tokens = *value;
        }
    };
    json::scan_object(usage_object, json::kMaxDepthLimit, on_count);
    return found;
}

std::optional<Usage> find_usage(std::string_view object) noexcept {
    if (object.find("\"usage\"") == std::string_view::npos) return std::nullopt;
    std::optional<Usage> usage;
    auto on_member = [&usage](const json::Member& member) {
        if (member.key == "usage" && member.kind == json::Kind::object) {
            usage = read_usage(member.value);
        }
    };
    if (json::scan_object(object, 64, on_member)) return std::nullopt;
    return usage;
}

}  // namespace infergate::sse
