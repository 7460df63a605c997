#include "infergate/streaming/sse.hpp"

#include <array>
#include <cstring>

#include "infergate/json/scanner.hpp"

namespace infergate::sse {

namespace {

// Index of the first CR or LF at or after `pos`, or `size`. Two vectorised memchr scans:
// a byte loop (or find_first_of, which calls memchr per byte) dominated streaming CPU.
std::size_t line_end(const char* base, std::size_t pos, std::size_t size) noexcept {
    const void* lf = std::memchr(base + pos, '\n', size - pos);
    const std::size_t lf_at = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - base) : size;
    const void* cr = std::memchr(base + pos, '\r', lf_at - pos);
    return cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - base) : lf_at;
}

// Just past the terminator at `term` (CRLF counts as one), or npos when a CR ends the bytes.
std::size_t after_terminator(const char* base, std::size_t term, std::size_t size) noexcept {
    std::size_t next = term + 1;
    if (base[term] == '\r') {
        if (next == size) return npos;  // a LF may still follow in the next chunk
        if (base[next] == '\n') ++next;
    }
    return next;
}

}  // namespace

std::size_t find_event_end(std::string_view bytes) noexcept {
    const char* base = bytes.data();
    const std::size_t size = bytes.size();
    std::size_t pos = 0;
    while (pos < size) {
        const std::size_t term = line_end(base, pos, size);
        if (term == size) return npos;
        const std::size_t next = after_terminator(base, term, size);
        if (next == npos) return npos;
        if (term == pos) return next;  // an empty line ends the event
        pos = next;
    }
    return npos;
}

std::optional<std::string_view> first_data(std::string_view event) noexcept {
    const char* base = event.data();
    const std::size_t size = event.size();
    std::size_t pos = 0;
    while (pos < size) {
        const std::size_t end = line_end(base, pos, size);
        const std::string_view line = event.substr(pos, end - pos);
        if (line.starts_with("data:")) {
            std::string_view value = line.substr(5);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            return value;
        }
        if (end == size) break;
        pos = end + 1;
        if (base[end] == '\r' && pos < size && base[pos] == '\n') ++pos;
    }
    return std::nullopt;
}

bool is_done_event(std::string_view event) noexcept {
    const auto data = first_data(event);
    return data && *data == "[DONE]";
}

namespace {

bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Calls on_key(key, value) for every `"key":` in `text` whose key is one of `keys`, at any
// depth, in order, until it returns true. A textual look, not a parse: memchr walks the colons
// (a dozen per event) and each is compared with the few keys wanted, instead of one
// std::string_view::find per key (which stops at every quote of the event: 11k instructions a
// stream under callgrind). An escaped quote before a colon never matches: the byte before the
// closing quote must end the key.
template <std::size_t N, class OnKey>
bool any_key(std::string_view text, const std::array<std::string_view, N>& keys, OnKey on_key) noexcept {
    const char* base = text.data();
    const std::size_t size = text.size();
    std::size_t pos = 0;
    while (pos < size) {
        const void* hit = std::memchr(base + pos, ':', size - pos);
        if (hit == nullptr) return false;
        const auto colon = static_cast<std::size_t>(static_cast<const char*>(hit) - base);
        pos = colon + 1;
        std::size_t close = colon;  // one past the key's closing quote
        while (close > 0 && is_json_space(base[close - 1])) --close;
        if (close == 0 || base[close - 1] != '"') continue;
        for (const std::string_view key : keys) {
            if (close < key.size() + 2) continue;
            const std::size_t open = close - key.size() - 2;
            if (base[open] != '"' || std::memcmp(base + open + 1, key.data(), key.size()) != 0) continue;
            std::size_t value = colon + 1;
            while (value < size && is_json_space(base[value])) ++value;
            if (on_key(key, text.substr(value))) return true;
        }
    }
    return false;
}

}  // namespace

bool carries_content(std::string_view json_object) noexcept {
    // The relay calls this on every event until the first hit. A key followed by a non-empty
    // string, or a tool call, is output; "" and null are not.
    static constexpr std::array<std::string_view, 6> kKeys{"content", "text", "reasoning_content", "refusal",
                                                           "tool_calls", "function_call"};
    return any_key(json_object, kKeys, [](std::string_view key, std::string_view value) {
        if (key == "tool_calls" || key == "function_call") return true;
        return value.size() >= 2 && value[0] == '"' && value[1] != '"';
    });
}

Usage read_usage(std::string_view usage_object) noexcept {
    Usage found;
    auto count_of = [](const json::Member& member) -> std::int64_t {
        if (member.kind != json::Kind::number) return 0;
        const auto value = json::parse_integer(member.value);
        return value && *value > 0 ? *value : 0;
    };
    auto on_cached = [&](const json::Member& detail) {
        if (detail.key == "cached_tokens") found.cached_tokens = count_of(detail);
    };
    auto on_reasoning = [&](const json::Member& detail) {
        if (detail.key == "reasoning_tokens") found.reasoning_tokens = count_of(detail);
    };
    auto on_count = [&](const json::Member& count) {
        if (count.key == "prompt_tokens" || count.key == "input_tokens") {
            found.prompt_tokens = count_of(count);
        } else if (count.key == "completion_tokens" || count.key == "output_tokens") {
            found.completion_tokens = count_of(count);
        } else if (count.key == "prompt_tokens_details" && count.kind == json::Kind::object) {
            json::scan_object(count.value, json::kMaxDepthLimit, on_cached);
        } else if (count.key == "completion_tokens_details" && count.kind == json::Kind::object) {
            json::scan_object(count.value, json::kMaxDepthLimit, on_reasoning);
        }
    };
    json::scan_object(usage_object, json::kMaxDepthLimit, on_count);
    return found;
}

bool mentions_usage_object(std::string_view object) noexcept {
    static constexpr std::array<std::string_view, 1> kUsage{"usage"};
    return any_key(object, kUsage, [](std::string_view, std::string_view value) {
        return !value.empty() && value[0] == '{';
    });
}

std::optional<Usage> find_usage(std::string_view object) noexcept {
    if (!mentions_usage_object(object)) return std::nullopt;
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
