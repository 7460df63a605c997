#include "provider_errors.hpp"

#include <fmt/format.h>

#include "upstream_json.hpp"

namespace infergate::transform {

namespace {

// A client mistake: the provider's own words, or the status when it had none.
std::string client_message(const ProviderError& said, std::string_view backend, unsigned status) {
    if (!said.message.empty()) return said.message;
    return fmt::format("The upstream backend `{}` refused the request with HTTP status {}.",
                       backend, status);
}

}  // namespace

ErrorKind kind_of_status(std::span<const ErrorName> names, unsigned status) {
    for (const ErrorName& name : names) {
        if (name.status == status) return name.kind;
    }
    return status >= 400 && status < 500 ? ErrorKind::invalid_request : ErrorKind::unknown;
}

const ErrorName* find_name(std::span<const ErrorName> names, const json::Member& member) {
    for (const ErrorName& name : names) {
        if (is_string(member, name.name)) return &name;
    }
    return nullptr;
}

bool scan_error_details(std::string_view body, json::MemberSink on_detail) {
    auto on_member = [&](const json::Member& member) {
        if (member.key == "error" && member.kind == json::Kind::object) {
            json::scan_object(member.value, kMaxUpstreamDepth, on_detail);
        }
    };
    return !json::scan_object(body, kMaxUpstreamDepth, on_member);
}

api::Error client_error(ErrorKind kind, const ProviderError& said, std::string_view backend, unsigned status) {
    switch (kind) {
        case ErrorKind::invalid_request:
            if (said.prompt_too_long) {
                return api::invalid_request(said.message, "messages", "context_length_exceeded");
            }
            return api::invalid_request(client_message(said, backend, status));
        case ErrorKind::not_found:
            return {404, client_message(said, backend, status), "invalid_request_error",
                    "not_found", {}};
        case ErrorKind::too_large:
            return {413, client_message(said, backend, status), "invalid_request_error",
                    "request_too_large", {}};
        case ErrorKind::auth:
            return api::upstream_auth_failed(backend);
        case ErrorKind::billing:
            return {502,
                    fmt::format("The upstream backend `{}` refused the request for a billing "
                                "problem of its account. This is a gateway configuration "
                                "problem, not a problem with your API key.",
                                backend),
                    "server_error", "upstream_billing_error", {}};
        case ErrorKind::rate_limit:
            return api::rate_limited(fmt::format(
                "The upstream backend `{}` is rate-limited by its provider. Please try again later.",
                backend));
        case ErrorKind::timeout:
            return api::upstream_timeout(backend);
        case ErrorKind::overloaded:
            return {503,
                    fmt::format("The upstream backend `{}` is overloaded. Please try again shortly.",
                                backend),
                    "server_error", "provider_overloaded", {}};
        case ErrorKind::unknown:
            // Another 5xx (a proxy's 503) keeps its status, as the gateway's other upstreams do.
            if (status >= 500 && status < 600) return api::upstream_error(backend, status);
            break;
        case ErrorKind::internal:
            break;
    }
    return {502,
            fmt::format("The upstream backend `{}` failed with an internal error (HTTP status {}).",
                        backend, status),
            "server_error", "upstream_error", {}};
}

}  // namespace infergate::transform
