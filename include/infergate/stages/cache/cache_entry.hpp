// One cached answer: the complete non-streamed JSON body of a 200 response and its usage.
// Immutable once built; the cache hands it out as shared_ptr<const Entry>.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "infergate/streaming/sse.hpp"

namespace infergate::cache {

struct Entry {
    // Only 200 answers are stored; the field makes the replayed response explicit.
    int status = 200;
    std::string body;                 // chat.completion, text_completion or embedding list
    std::optional<sse::Usage> usage;  // as the upstream reported it (for quota on a hit)
};

// Builds an entry from a 200 response body; nullopt unless it is exactly one JSON object.
std::optional<Entry> make_entry(std::string&& body);

// What an entry costs against the byte budget with its key: the body plus a fixed estimate
// of the list node, map node, control block and key.
inline constexpr std::size_t kEntryOverheadBytes = 160;
inline std::size_t charged_bytes(const Entry& entry) noexcept {
    return entry.body.size() + kEntryOverheadBytes;
}

}  // namespace infergate::cache
