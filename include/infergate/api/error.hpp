// The one error shape every rejection takes on the wire:
//   {"error":{"message":"...","type":"...","param":null,"code":"..."}}
// `code` is also the access-log field and the metric label: one stable name per failure.
#pragma once

#include <string>
#include <string_view>

namespace infergate::api {

struct Error {
    unsigned status = 500;
    std::string message;
    std::string type;    // OpenAI's vocabulary: invalid_request_error, server_error, ...
    std::string code;    // stable machine-readable name, e.g. "model_not_found"
    std::string param;   // the offending request field; empty renders as null
};

// Renders the JSON body (never includes anything but the four fields above).
std::string render_error(const Error& error);

// Constructors for the errors the data path produces; each names its status and code once.
Error invalid_request(std::string message, std::string param = {},
                      std::string code = "invalid_request");
Error model_not_found(std::string_view model);
// `path` may be a whole request target: only the part before '?' is quoted.
Error route_not_found(std::string_view path);
Error method_not_allowed(std::string_view method, std::string_view path);
Error unsupported_media_type(std::string_view content_type);
Error body_too_large(std::size_t limit);
Error headers_too_large();
Error request_timeout();
Error upstream_unavailable(std::string_view backend);
Error upstream_timeout(std::string_view backend);
Error upstream_overloaded(std::string_view backend);
Error upstream_invalid_response(std::string_view backend, std::string_view what);
// 502: the backend refused the gateway's own credential (it answered 401 or 403). Not 401:
// the client's key was fine, and the backend's words may quote part of the backend key.
Error upstream_auth_failed(std::string_view backend);
// The backend's own error status, when its body was not JSON (an HTML error page): code
// upstream_error, a fixed message, nothing of the page.
Error upstream_error(std::string_view backend, unsigned status);
Error internal_error();
// 503: an operator drained every target of the model (and of its fallbacks).
Error model_drained(std::string_view model);
// 503 on a reserve connection (every connection busy): only the gateway's own endpoints answer.
Error gateway_overloaded();
// 503 gateway_overloaded for a request whose body would take the bodies held in memory past
// server.max_buffered_body_bytes.
Error body_memory_full();
// 401: the message is fixed by the caller and never quotes the presented credential.
Error invalid_api_key(std::string message);
// 429 for a rate or concurrency limit, or (insufficient_quota) for a spend budget.
Error rate_limited(std::string message);
Error budget_exhausted(std::string message);

}  // namespace infergate::api
