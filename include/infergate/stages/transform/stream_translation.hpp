// The relay's one view of every translated stream: upstream events in, the client's events
// out, whichever provider and client formats meet (see UpstreamRequest::Wire).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "infergate/api/error.hpp"
#include "infergate/pipeline/request_context.hpp"
#include "infergate/stages/transform/chunk_stream.hpp"
#include "infergate/streaming/sse.hpp"

namespace infergate::transform {

class StreamTranslation {
public:
    virtual ~StreamTranslation() = default;
    // One whole upstream SSE event (as sse::find_event_end() delimits it); appends the
    // client's events to `out`.
    virtual void on_event(std::string_view raw_event, std::string& out) = 0;
    // The upstream body ended. A provider without an end event (Gemini) ends the client's
    // stream here; for the others an unfinished stream was cut, which the relay reports.
    virtual void on_body_end(std::string& out) = 0;
    // The client's stream is complete: by the provider's end, or by an error.
    virtual bool finished() const noexcept = 0;
    virtual const std::optional<api::Error>& error() const noexcept = 0;
    // The client's stream has begun (its first event is written).
    virtual bool started() const noexcept = 0;
    // The tokens the upstream reported so far, once it reported any.
    virtual std::optional<sse::Usage> usage() const noexcept = 0;
};

// The translation `wire` needs; null for Wire::openai (the upstream's events are the client's).
std::unique_ptr<StreamTranslation> make_stream_translation(pipeline::UpstreamRequest::Wire wire,
                                                           StreamOptions options);

}  // namespace infergate::transform
