#include "infergate/api/response_body.hpp"

#include "infergate/json/scanner.hpp"

namespace infergate::api {

ResponseBody inspect_response_body(std::string_view body) {
    ResponseBody result;
    std::string_view usage_object;
    auto on_member = [&](const json::Member& member) {
        if (member.key == "usage" && member.kind == json::Kind::object) usage_object = member.value;
    };
    // Depth: response bodies may nest tool-call arguments deeply; allow the scanner's maximum.
    result.valid_json = !json::scan_object(body, json::kMaxDepthLimit, on_member).has_value();
    if (result.valid_json && !usage_object.empty()) result.usage = sse::read_usage(usage_object);
    return result;
}

}  // namespace infergate::api
