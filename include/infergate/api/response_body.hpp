// What the gateway reads from a non-streaming upstream answer: is it JSON at all, and what
// usage did the upstream report.
#pragma once

#include <optional>
#include <string_view>

#include "infergate/streaming/sse.hpp"

namespace infergate::api {

struct ResponseBody {
    bool valid_json = false;              // exactly one JSON object
    std::optional<sse::Usage> usage;      // from its top-level "usage" object
};

ResponseBody inspect_response_body(std::string_view body);

}  // namespace infergate::api
