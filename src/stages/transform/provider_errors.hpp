// The client's error for what a provider's error answer means: each provider reads its own
// body into a ProviderError (its names for the kinds are a table of ErrorNames), and the
// mapping to the gateway's errors, the same for every provider, is here.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "infergate/api/error.hpp"
#include "infergate/json/scanner.hpp"

namespace infergate::transform {

enum class ErrorKind {
    invalid_request,  // the client's mistake: 400, the provider's message kept
    auth,             // the gateway's key refused: 502 upstream_auth_failed, nothing quoted
    billing,          // the backend's account: 502 upstream_billing_error
    not_found,        // 404, the provider's message kept
    too_large,        // 413, the provider's message kept
    rate_limit,       // 429 rate_limit_exceeded
    internal,         // 502 upstream_error
    overloaded,       // 503 provider_overloaded (retryable)
    timeout,          // 504 upstream_timeout
    unknown,          // a 5xx keeps its status (upstream_error), else as internal
};

// A provider's name for an error kind, and the HTTP status it comes with.
struct ErrorName {
    std::string_view name;
    unsigned status = 0;
    ErrorKind kind = ErrorKind::unknown;
};

// The kind a bare HTTP status means in `names`; another 4xx is an invalid request (as the
// providers document), another status unknown.
ErrorKind kind_of_status(std::span<const ErrorName> names, unsigned status);
// The entry of `names` that the string `member` is, if any.
const ErrorName* find_name(std::span<const ErrorName> names, const json::Member& member);

// Calls `on_detail` with each member of the body's `error` object (both providers nest their
// error there); false when the body is not a JSON object.
bool scan_error_details(std::string_view body, json::MemberSink on_detail);

struct ProviderError {
    std::optional<ErrorKind> kind;  // none: judged by the status
    std::string message;            // the provider's words, quoted only for the client's mistakes
    bool prompt_too_long = false;   // an invalid request is context_length_exceeded
};

// The client's error; `status` is the provider's HTTP status (or what it would have been).
api::Error client_error(ErrorKind kind, const ProviderError& said, std::string_view backend, unsigned status);

}  // namespace infergate::transform
