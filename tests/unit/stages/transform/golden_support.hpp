// What the golden transcript tests share: reading a recorded file, replaying a byte stream as
// the relay meets it (in two reads split anywhere, cut into events where sse::find_event_end
// says), and damaging a recording at every byte.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "infergate/json/scanner.hpp"
#include "infergate/streaming/sse.hpp"

#include "damaged_input.hpp"

namespace infergate::transform::golden {

// tests/golden/<path>.
inline std::string read(const std::string& path) {
    const std::string full = std::string(INFERGATE_TEST_GOLDEN_DIR) + "/" + path;
    std::ifstream file(full, std::ios::binary);
    EXPECT_TRUE(file) << "cannot read " << full;
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// Calls `on_event` with each complete event of `bytes`, read as two parts split at `split`.
template <class OnEvent>
void replay(std::string_view bytes, std::size_t split, OnEvent&& on_event) {
    std::string pending;
    for (const std::string_view read : {bytes.substr(0, split), bytes.substr(split)}) {
        pending.append(read);
        std::size_t end = 0;
        while ((end = sse::find_event_end(pending)) != sse::npos) {
            on_event(std::string_view(pending).substr(0, end));
            pending.erase(0, end);
        }
    }
}

using damaged::for_each_damaged;
using damaged::is_json_object;

}  // namespace infergate::transform::golden
