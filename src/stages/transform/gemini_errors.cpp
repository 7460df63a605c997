#include "infergate/stages/transform/gemini_errors.hpp"

#include <array>

#include "provider_errors.hpp"
#include "upstream_json.hpp"

namespace infergate::transform::gemini {

namespace {

// google.rpc.Code's names, as Gemini's `status` spells them, with their HTTP statuses.
constexpr std::array<ErrorName, 10> kStatuses{{
    {"INVALID_ARGUMENT", 400, ErrorKind::invalid_request},   {"FAILED_PRECONDITION", 400, ErrorKind::invalid_request},
    {"OUT_OF_RANGE", 400, ErrorKind::invalid_request},       {"UNAUTHENTICATED", 401, ErrorKind::auth},
    {"PERMISSION_DENIED", 403, ErrorKind::auth},             {"NOT_FOUND", 404, ErrorKind::not_found},
    {"RESOURCE_EXHAUSTED", 429, ErrorKind::rate_limit},      {"INTERNAL", 500, ErrorKind::internal},
    {"UNAVAILABLE", 503, ErrorKind::overloaded},             {"DEADLINE_EXCEEDED", 504, ErrorKind::timeout},
}};

bool says_prompt_too_long(std::string_view message) {
    return message.find("exceeds the maximum number of tokens") != std::string_view::npos ||
           message.find("input token count") != std::string_view::npos;
}

// Reads {"error":{"code":...,"message":...,"status":...,"details":[...]}}; nothing for other
// bytes. `code` is error.code, the HTTP status Gemini meant.
ProviderError read_error_body(std::string_view body, std::optional<unsigned>& code) {
    ProviderError said;
    bool api_key_invalid = false;
    auto on_detail = [&](const json::Member& detail) {
        if (detail.key == "message" && detail.kind == json::Kind::string) {
            said.message = json::decode_string(detail.value);
        } else if (detail.key == "code") {
            const std::int64_t value = count_of(detail);
            if (value >= 400 && value < 600) code = static_cast<unsigned>(value);
        } else if (detail.key == "status") {
            if (const ErrorName* status = find_name(kStatuses, detail)) said.kind = status->kind;
        } else if (detail.key == "details" && detail.kind == json::Kind::array) {
            // An ErrorInfo's reason: a fixed token, so searching the bytes is enough.
            api_key_invalid = detail.value.find("\"API_KEY_INVALID\"") != std::string_view::npos;
        }
    };
    if (!scan_error_details(body, on_detail)) return {};
    // Gemini answers a bad key with 400 INVALID_ARGUMENT: the gateway's key, not the client's.
    if (api_key_invalid) said.kind = ErrorKind::auth;
    said.prompt_too_long = says_prompt_too_long(said.message);
    return said;
}

// A stream's error came with HTTP status 200: its `code` stands in (else an internal error).
api::Error translate(std::string_view body, std::optional<unsigned> http_status, std::string_view backend) {
    std::optional<unsigned> code;
    const ProviderError said = read_error_body(body, code);
    const unsigned status = http_status.value_or(code.value_or(500));
    return client_error(said.kind.value_or(kind_of_status(kStatuses, status)), said, backend, status);
}

}  // namespace

api::Error translate_error(unsigned status, std::string_view body, std::string_view backend) {
    return translate(body, status, backend);
}

api::Error translate_stream_error(std::string_view data, std::string_view backend) {
    return translate(data, std::nullopt, backend);
}

}  // namespace infergate::transform::gemini
