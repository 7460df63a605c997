// Collects every config problem with its position, then prints them in file order:
//   <source>:<line>:<col>: <key.path>: <message>
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace infergate::config {

// 1-based, as editors show it; line 0 means "no position" (e.g. the file cannot be read).
struct Location {
    int line = 0;
    int column = 0;
};

class Diagnostics {
public:
    // `path` may be empty for document-level problems (syntax errors, empty file).
    void add(Location at, std::string path, std::string message);
    bool empty() const noexcept { return entries_.empty(); }
    // Sorted by (line, column); ties keep the order they were found in.
    std::vector<std::string> render(std::string_view source) const;

    struct Entry {
        Location at;
        std::string path;
        std::string message;
    };
    // In the order found.
    const std::vector<Entry>& entries() const noexcept { return entries_; }

private:
    std::vector<Entry> entries_;
};

// `"value"` for a message: escapes quotes and control characters, cuts long values short.
// Never call it on a secret.
std::string quoted(std::string_view value);

// Escapes control characters so one problem stays on one line (keys can hold anything).
std::string printable(std::string_view text);

}  // namespace infergate::config
