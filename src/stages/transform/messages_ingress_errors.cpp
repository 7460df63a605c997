#include "infergate/stages/transform/messages_ingress_errors.hpp"

#include <fmt/format.h>

#include "anthropic_wire.hpp"
#include "upstream_json.hpp"
#include "infergate/json/scanner.hpp"

namespace infergate::transform::messages_ingress {

namespace {

bool mentions(const std::string& text, std::string_view word) { return text.find(word) != std::string::npos; }

}  // namespace

api::Error stream_error(std::string_view error_object, std::string_view backend) {
    std::string message, type, code;
    auto on_field = [&](const json::Member& field) {
        if (field.kind != json::Kind::string) return;
        if (field.key == "message") message = json::decode_string(field.value);
        else if (field.key == "type") type = json::decode_string(field.value);
        else if (field.key == "code") code = json::decode_string(field.value);
    };
    json::scan_object(error_object, kMaxUpstreamDepth, on_field);
    if (message.empty()) message = fmt::format("The upstream backend `{}` failed during the stream.", backend);
    unsigned status = 502;
    if (type == "invalid_request_error") status = 400;
    else if (mentions(type, "rate_limit") || mentions(code, "rate_limit")) status = 429;
    else if (mentions(type, "overloaded") || mentions(code, "overloaded")) status = 503;
    return {status, std::move(message), type.empty() ? "server_error" : type, code.empty() ? "upstream_error" : code, {}};
}

std::string_view error_type(const api::Error& error) {
    switch (error.status) {
        case 401: return "authentication_error";
        case 403: return "permission_error";
        case 404: return "not_found_error";
        case 413: return "request_too_large";
        case 429: return "rate_limit_error";
        case 503:
        case 529: return "overloaded_error";  // SDKs retry both
        default: break;
    }
    return error.status >= 500 ? "api_error" : "invalid_request_error";
}

std::string render_error_body(const api::Error& error) {
    std::string out = R"({"type":"error","error":{"type":")";
    out += error_type(error);
    out += R"(","message":)";
    json::append_quoted(out, error.message);
    out += "}}";
    return out;
}

void append_error_event(std::string& out, const api::Error& error) {
    out += "event: error\ndata: ";
    out += render_error_body(error);
    out += "\n\n";
}

}  // namespace infergate::transform::messages_ingress
