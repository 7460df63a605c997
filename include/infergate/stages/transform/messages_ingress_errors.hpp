// The gateway's errors (OpenAI's shape, api::Error) as an Anthropic Messages client expects
// them: `{"type":"error","error":{"type":...,"message":...}}`, the type chosen by status:
//   401 authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large,
//   429 rate_limit_error, 503 and 529 overloaded_error, another 5xx api_error, else
//   invalid_request_error.
// The message is kept; `param` and `code` have no place in Anthropic's shape and are left out
// (the access log still has the code). The HTTP status stays the api::Error's.
#pragma once

#include <string>
#include <string_view>

#include "infergate/api/error.hpp"

namespace infergate::transform::messages_ingress {

// The `{"error":{...}}` object an OpenAI-format backend sends inside a stream, as the error
// it stands for: invalid_request_error 400, a rate limit 429, an overload 503, else 502
// upstream_error. The backend's message is kept, as the OpenAI relay keeps it.
api::Error stream_error(std::string_view error_object, std::string_view backend);

// Anthropic's error type for `error`.
std::string_view error_type(const api::Error& error);

// The JSON body of an error answer.
std::string render_error_body(const api::Error& error);

// The same as a stream's last event: `event: error`, the body as data, a blank line.
void append_error_event(std::string& out, const api::Error& error);

}  // namespace infergate::transform::messages_ingress
