#include "infergate/stages/transform/anthropic_errors.hpp"

#include <array>

#include "anthropic_wire.hpp"
#include "provider_errors.hpp"

namespace infergate::transform::anthropic {

namespace {

constexpr std::array<ErrorName, 10> kTypes{{
    {"invalid_request_error", 400, ErrorKind::invalid_request},
    {"authentication_error", 401, ErrorKind::auth},
    {"billing_error", 402, ErrorKind::billing},
    {"permission_error", 403, ErrorKind::auth},
    {"not_found_error", 404, ErrorKind::not_found},
    {"request_too_large", 413, ErrorKind::too_large},
    {"rate_limit_error", 429, ErrorKind::rate_limit},
    {"api_error", 500, ErrorKind::internal},
    {"timeout_error", 504, ErrorKind::timeout},
    {"overloaded_error", 529, ErrorKind::overloaded},
}};

bool says_prompt_too_long(std::string_view message) {
    return message.find("prompt is too long") != std::string_view::npos ||
           message.find("context window") != std::string_view::npos;
}

// Reads {"type":"error","error":{"type":...,"message":...}}; nothing for other bytes. `status`
// becomes the type's usual status.
ProviderError read_error_body(std::string_view body, std::optional<unsigned>& status) {
    ProviderError said;
    auto on_detail = [&](const json::Member& detail) {
        if (detail.key == "message" && detail.kind == json::Kind::string) {
            said.message = json::decode_string(detail.value);
        } else if (detail.key == "type") {
            if (const ErrorName* type = find_name(kTypes, detail)) {
                said.kind = type->kind;
                status = type->status;
            }
        }
    };
    if (!scan_error_details(body, on_detail)) return {};
    said.prompt_too_long = says_prompt_too_long(said.message);
    return said;
}

}  // namespace

api::Error translate_error(unsigned status, std::string_view body, std::string_view backend) {
    std::optional<unsigned> type_status;
    const ProviderError said = read_error_body(body, type_status);
    // Anthropic: "We may also use this error type [invalid_request_error] for other 4XX status codes".
    return client_error(said.kind.value_or(kind_of_status(kTypes, status)), said, backend, status);
}

api::Error translate_stream_error(std::string_view data, std::string_view backend) {
    std::optional<unsigned> type_status;
    const ProviderError said = read_error_body(data, type_status);
    // A stream's error has no status: the type's usual one, or an internal error.
    return client_error(said.kind.value_or(ErrorKind::internal), said, backend, type_status.value_or(500));
}

}  // namespace infergate::transform::anthropic
