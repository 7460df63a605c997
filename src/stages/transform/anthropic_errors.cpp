#include "infergate/stages/transform/anthropic_errors.hpp"

#include <array>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "anthropic_wire.hpp"

namespace infergate::transform::anthropic {

namespace {

enum class Kind {
    invalid_request,
    authentication,
    permission,
    billing,
    not_found,
    too_large,
    rate_limit,
    api,
    timeout,
    overloaded,
    unknown,
};

struct KnownType {
    std::string_view name;
    unsigned status;  // Anthropic's status for it, for a stream's error event
    Kind kind;
};

constexpr std::array<KnownType, 10> kTypes{{
    {"invalid_request_error", 400, Kind::invalid_request},
    {"authentication_error", 401, Kind::authentication},
    {"billing_error", 402, Kind::billing},
    {"permission_error", 403, Kind::permission},
    {"not_found_error", 404, Kind::not_found},
    {"request_too_large", 413, Kind::too_large},
    {"rate_limit_error", 429, Kind::rate_limit},
    {"api_error", 500, Kind::api},
    {"timeout_error", 504, Kind::timeout},
    {"overloaded_error", 529, Kind::overloaded},
}};

Kind kind_of_status(unsigned status) {
    for (const KnownType& type : kTypes) {
        if (type.status == status) return type.kind;
    }
    // Anthropic: "We may also use this error type for other 4XX status codes".
    return status >= 400 && status < 500 ? Kind::invalid_request : Kind::unknown;
}

// What an Anthropic error body says: its type (if known) and message.
struct Said {
    std::optional<Kind> kind;
    std::optional<unsigned> status;  // Anthropic's status for that type
    std::string message;
};

// Reads {"type":"error","error":{"type":...,"message":...}}; nothing for other bytes.
Said read_error_body(std::string_view body) {
    Said said;
    auto on_detail = [&](const json::Member& detail) {
        if (detail.key == "message" && detail.kind == json::Kind::string) {
            said.message = json::decode_string(detail.value);
        } else if (detail.key == "type") {
            for (const KnownType& type : kTypes) {
                if (is_string(detail, type.name)) {
                    said.kind = type.kind;
                    said.status = type.status;
                }
            }
        }
    };
    auto on_member = [&](const json::Member& member) {
        if (member.key == "error" && member.kind == json::Kind::object) {
            json::scan_object(member.value, kMaxUpstreamDepth, on_detail);
        }
    };
    if (json::scan_object(body, kMaxUpstreamDepth, on_member)) return {};
    return said;
}

bool says_prompt_too_long(std::string_view message) {
    return message.find("prompt is too long") != std::string_view::npos ||
           message.find("context window") != std::string_view::npos;
}

// A client mistake: Anthropic's own words, or the status when it had none.
std::string client_message(const Said& said, std::string_view backend, unsigned status) {
    if (!said.message.empty()) return said.message;
    return fmt::format("The upstream backend `{}` refused the request with HTTP status {}.",
                       backend, status);
}

api::Error translate(Kind kind, const Said& said, std::string_view backend, unsigned status) {
    switch (kind) {
        case Kind::invalid_request:
            if (says_prompt_too_long(said.message)) {
                return api::invalid_request(said.message, "messages", "context_length_exceeded");
            }
            return api::invalid_request(client_message(said, backend, status));
        case Kind::not_found:
            return {404, client_message(said, backend, status), "invalid_request_error",
                    "not_found", {}};
        case Kind::too_large:
            return {413, client_message(said, backend, status), "invalid_request_error",
                    "request_too_large", {}};
        case Kind::authentication:
        case Kind::permission:
            return api::upstream_auth_failed(backend);
        case Kind::billing:
            return {502,
                    fmt::format("The upstream backend `{}` refused the request for a billing "
                                "problem of its account. This is a gateway configuration "
                                "problem, not a problem with your API key.",
                                backend),
                    "server_error", "upstream_billing_error", {}};
        case Kind::rate_limit:
            return api::rate_limited(fmt::format(
                "The upstream backend `{}` is rate-limited by its provider. Please try again later.",
                backend));
        case Kind::timeout:
            return api::upstream_timeout(backend);
        case Kind::overloaded:
            return {503,
                    fmt::format("The upstream backend `{}` is overloaded. Please try again shortly.",
                                backend),
                    "server_error", "provider_overloaded", {}};
        case Kind::unknown:
            // Another 5xx (a proxy's 503) keeps its status, as the gateway's other upstreams do.
            if (status >= 500 && status < 600) return api::upstream_error(backend, status);
            break;
        case Kind::api:
            break;
    }
    return {502,
            fmt::format("The upstream backend `{}` failed with an internal error (HTTP status {}).",
                        backend, status),
            "server_error", "upstream_error", {}};
}

}  // namespace

api::Error translate_error(unsigned status, std::string_view body, std::string_view backend) {
    const Said said = read_error_body(body);
    return translate(said.kind.value_or(kind_of_status(status)), said, backend, status);
}

api::Error translate_stream_error(std::string_view data, std::string_view backend) {
    const Said said = read_error_body(data);
    // A stream's error has no status: the type's usual one, or an internal error.
    return translate(said.kind.value_or(Kind::api), said, backend, said.status.value_or(500));
}

}  // namespace infergate::transform::anthropic
