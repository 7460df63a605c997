// What the provider golden tests share: reading tests/golden/<provider>/ files, and relaying an
// upstream stream to a translator as the gateway does, in two reads split anywhere.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "infergate/streaming/sse.hpp"

namespace infergate::transform::golden {

inline std::string read(const std::string& provider, const std::string& name) {
    const std::string path = std::string(INFERGATE_TEST_GOLDEN_DIR) + "/" + provider + "/" + name;
    std::ifstream file(path, std::ios::binary);
    EXPECT_TRUE(file) << "cannot read " << path;
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// Feeds `upstream` in two reads split at `split`, translating each complete event as the relay
// would: events are cut where sse::find_event_end says, whatever the reads were. Returns what
// the client got so far.
template <class Translator>
std::string relay(Translator& translator, std::string_view upstream, std::size_t split) {
    std::string pending;
    std::string out;
    for (const std::string_view read : {upstream.substr(0, split), upstream.substr(split)}) {
        pending.append(read);
        std::size_t end = 0;
        while ((end = sse::find_event_end(pending)) != sse::npos) {
            translator.on_sse_event(std::string_view(pending).substr(0, end), out);
            pending.erase(0, end);
        }
    }
    return out;
}

// `translate(split)` is the client's stream for the upstream split at `split`: it must be
// `expected` whole (split at the end) and wherever the bytes split.
template <class Translate>
void expect_at_every_split(std::size_t upstream_size, const std::string& expected, Translate translate) {
    EXPECT_EQ(translate(upstream_size), expected);
    for (std::size_t split = 0; split < upstream_size; ++split) {
        ASSERT_EQ(translate(split), expected) << "split at byte " << split;
    }
}

}  // namespace infergate::transform::golden
