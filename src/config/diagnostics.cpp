#include "diagnostics.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace infergate::config {

namespace {

constexpr std::size_t max_quoted_bytes = 64;

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

void append_escaped(std::string& out, std::string_view text, bool escape_quotes) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (escape_quotes && (c == '"' || c == '\\')) {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7F) {
            out += fmt::format("\\x{:02X}", byte);
        } else {
            out += c;
        }
    }
}

}  // namespace

void Diagnostics::add(Location at, std::string path, std::string message) {
    entries_.push_back({at, std::move(path), std::move(message)});
}

std::vector<std::string> Diagnostics::render(std::string_view source) const {
    std::vector<const Entry*> order;
    order.reserve(entries_.size());
    for (const Entry& entry : entries_) order.push_back(&entry);
    std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
        return std::tie(a->at.line, a->at.column) < std::tie(b->at.line, b->at.column);
    });

    std::vector<std::string> lines;
    lines.reserve(order.size());
    for (const Entry* entry : order) {
        std::string line{source};
        if (entry->at.line > 0) line += fmt::format(":{}:{}", entry->at.line, entry->at.column);
        if (!entry->path.empty()) line += ": " + printable(entry->path);
        line += ": " + entry->message;
        lines.push_back(std::move(line));
    }
    return lines;
}

std::string quoted(std::string_view value) {
    bool cut = false;
    if (value.size() > max_quoted_bytes) {
        std::size_t end = max_quoted_bytes;
        // Do not split a multi-byte character: the message must stay valid UTF-8.
        while (end > 0 && is_utf8_continuation(value[end])) --end;
        value = value.substr(0, end);
        cut = true;
    }
    std::string out = "\"";
    append_escaped(out, value, true);
    out += cut ? "...\"" : "\"";
    return out;
}

std::string printable(std::string_view text) {
    std::string out;
    append_escaped(out, text, false);
    return out;
}

}  // namespace infergate::config
