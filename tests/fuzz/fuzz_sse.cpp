// The streaming relay's event splitting (src/server/stream_relay.cpp): upstream bytes arrive
// in pieces, every complete event is forwarded, and an incomplete tail is kept and re-scanned
// once the next piece is appended. Wherever the stream is cut, the events must come out
// exactly as from the uncut stream. Each event is then read as the relay reads it.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "infergate/api/response_body.hpp"
#include "infergate/json/scanner.hpp"
#include "infergate/streaming/sse.hpp"

namespace {

using namespace infergate;

// Event lengths, in order; the rest of the stream is the tail the relay passes on as it is.
using Events = std::vector<std::size_t>;

// The stream delivered as two reads, split at `cut`. The relay's buffer always holds the bytes
// received but not yet forwarded, so it is a view into the stream, not a copy.
Events relay(std::string_view stream, std::size_t cut) {
    Events events;
    std::size_t consumed = 0;
    for (const std::size_t received : {cut, stream.size()}) {
        for (;;) {
            const std::string_view buffer = stream.substr(consumed, received - consumed);
            const std::size_t length = sse::find_event_end(buffer);
            if (length == sse::npos) break;
            FUZZ_REQUIRE(length > 0 && length <= buffer.size());
            events.push_back(length);
            consumed += length;
        }
    }
    return events;
}

// The cuts that matter are next to line terminators (a CR at the end of a read is undecided
// until the next byte arrives); one more position comes from the content.
std::vector<std::size_t> cut_points(std::string_view stream) {
    std::vector<std::size_t> cuts;
    std::uint32_t hash = 2166136261u;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        hash = (hash ^ static_cast<unsigned char>(stream[i])) * 16777619u;
        if ((stream[i] == '\r' || stream[i] == '\n') && cuts.size() < 48) {
            cuts.push_back(i);
            cuts.push_back(i + 1);
        }
    }
    cuts.push_back(hash % (stream.size() + 1));
    return cuts;
}

// find_usage against a plain reading of the top-level "usage" member: its memmem pre-check
// may skip parsing only when there is no usage object to find.
void check_usage(std::string_view data) {
    std::optional<std::string_view> usage_object;
    auto on_member = [&usage_object](const json::Member& m) {
        if (m.key == "usage" && m.kind == json::Kind::object) usage_object = m.value;
    };
    const bool valid = !json::scan_object(data, 64, on_member);
    const std::optional<sse::Usage> found = sse::find_usage(data);
    FUZZ_REQUIRE(found.has_value() == (valid && usage_object.has_value()));
    if (!found) return;
    const sse::Usage expected = sse::read_usage(*usage_object);
    FUZZ_REQUIRE(found->prompt_tokens == expected.prompt_tokens &&
                 found->completion_tokens == expected.completion_tokens);
    FUZZ_REQUIRE(found->prompt_tokens >= 0 && found->completion_tokens >= 0);
}

void check_event(std::string_view event) {
    const char last = event.back();
    FUZZ_REQUIRE(last == '\n' || last == '\r');
    const std::optional<std::string_view> data = sse::first_data(event);
    FUZZ_REQUIRE(sse::is_done_event(event) == (data && *data == "[DONE]"));
    if (!data) return;
    FUZZ_REQUIRE(data->data() >= event.data() &&
                 data->data() + data->size() <= event.data() + event.size());
    FUZZ_REQUIRE(data->find_first_of("\r\n") == std::string_view::npos);
    check_usage(*data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view stream(reinterpret_cast<const char*>(bytes), size);
    const Events whole = relay(stream, size);
    std::size_t offset = 0;
    for (const std::size_t length : whole) {
        check_event(stream.substr(offset, length));
        offset += length;
    }
    for (const std::size_t cut : cut_points(stream)) FUZZ_REQUIRE(relay(stream, cut) == whole);
    // A non-streaming answer is read with the same scanner: must not crash on any bytes.
    api::inspect_response_body(stream);
    return 0;
}
