#include "upstream_json.hpp"

namespace infergate::transform {

bool is_string(const json::Member& member, std::string_view expected) {
    if (member.kind != json::Kind::string) return false;
    const std::string_view inner = member.value.substr(1, member.value.size() - 2);
    if (inner.find('\\') == std::string_view::npos) return inner == expected;
    return json::decode_string(member.value) == expected;
}

std::int64_t count_of(const json::Member& member) {
    if (member.kind != json::Kind::number) return 0;
    const auto value = json::parse_integer(member.value);
    return value && *value > 0 ? *value : 0;
}

namespace {

json::Kind kind_of(char first) {
    switch (first) {
        case '{': return json::Kind::object;
        case '[': return json::Kind::array;
        case '"': return json::Kind::string;
        case 't':
        case 'f': return json::Kind::boolean;
        case 'n': return json::Kind::null;
        default: return json::Kind::number;
    }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

void for_each_element(std::string_view array, json::MemberSink element) {
    // Valid JSON, so only strings (which may hold brackets) and nesting need tracking.
    std::size_t depth = 0;
    std::size_t start = std::string_view::npos;
    bool in_string = false;
    bool escaped = false;
    auto emit = [&](std::size_t end) {
        while (end > start && is_space(array[end - 1])) --end;
        if (start != std::string_view::npos && end > start) {
            json::Member member;
            member.kind = kind_of(array[start]);
            member.value = array.substr(start, end - start);
            element(member);
        }
        start = std::string_view::npos;
    };
    for (std::size_t at = 1; at < array.size(); ++at) {
        const char c = array[at];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (depth == 0 && (c == ',' || c == ']')) {
            emit(at);
            continue;
        }
        if (start == std::string_view::npos && !is_space(c)) start = at;
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') --depth;
    }
}

}  // namespace infergate::transform
