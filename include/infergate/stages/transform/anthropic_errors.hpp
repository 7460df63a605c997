// Anthropic's errors in OpenAI's shape, with the status the gateway's retries and fallbacks
// read: `overloaded_error` (Anthropic's 529) becomes 503, a status every HTTP client and the
// routing stage's "any 5xx" treat as retryable.
#pragma once

#include <string_view>

#include "infergate/api/error.hpp"

namespace infergate::transform::anthropic {

// Maps an Anthropic error answer, `{"type":"error","error":{"type":...,"message":...}}`, to
// the client's error. The error type decides; a body that is not such JSON (a proxy's HTML
// page) is judged by its status alone and none of it is quoted.
//   invalid_request_error 400 -> 400 invalid_request_error (context_length_exceeded for a
//                                prompt that is too long), Anthropic's message kept
//   not_found_error 404, request_too_large 413 -> the same status, Anthropic's message kept
//   authentication_error 401, permission_error 403 -> 502 upstream_auth_failed: the
//                                gateway's key was refused, not the client's
//   billing_error 402      -> 502 upstream_billing_error (the backend's account)
//   rate_limit_error 429   -> 429 rate_limit_exceeded
//   api_error 500          -> 502 upstream_error
//   timeout_error 504      -> 504 upstream_timeout
//   overloaded_error 529   -> 503 provider_overloaded
//   another 5xx of no known type keeps its status (upstream_error); another 4xx is an
//   invalid_request_error, as Anthropic documents.
// Only the client's own mistakes quote Anthropic's message; the others have fixed messages
// naming `backend`, as the gateway's other upstream errors do.
api::Error translate_error(unsigned status, std::string_view body, std::string_view backend);

// The same for the data of an `error` event inside a stream (it has no status of its own).
api::Error translate_stream_error(std::string_view data, std::string_view backend);

}  // namespace infergate::transform::anthropic
