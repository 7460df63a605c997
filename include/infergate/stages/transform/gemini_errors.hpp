// Gemini's errors in OpenAI's shape, with the status the gateway's retries and fallbacks
// read.
#pragma once

#include <string_view>

#include "infergate/api/error.hpp"

namespace infergate::transform::gemini {

// Maps a Gemini error answer, `{"error":{"code":400,"message":...,"status":"INVALID_ARGUMENT"}}`,
// to the client's error. The status name decides (else the code, else the HTTP status); a body
// that is not such JSON (a proxy's HTML page) is judged by its HTTP status alone and none of
// it is quoted.
//   INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE 400 -> 400 invalid_request_error,
//                        Gemini's message kept (context_length_exceeded for a prompt over the
//                        model's token limit); an invalid API key is upstream_auth_failed
//   NOT_FOUND 404        -> 404, Gemini's message kept
//   UNAUTHENTICATED 401, PERMISSION_DENIED 403 -> 502 upstream_auth_failed: the gateway's key
//                        was refused, not the client's (the message may quote part of the key)
//   RESOURCE_EXHAUSTED 429 -> 429 rate_limit_exceeded
//   INTERNAL 500         -> 502 upstream_error
//   UNAVAILABLE 503      -> 503 provider_overloaded (retryable)
//   DEADLINE_EXCEEDED 504 -> 504 upstream_timeout
//   another 5xx keeps its status (upstream_error); another 4xx is an invalid_request_error.
// Only the client's own mistakes quote Gemini's message; the others have fixed messages
// naming `backend`.
api::Error translate_error(unsigned status, std::string_view body, std::string_view backend);

// The same for an error object inside a stream (`{"error":{...}}` as an event's data): its
// `code` stands in for the HTTP status, which was 200.
api::Error translate_stream_error(std::string_view data, std::string_view backend);

}  // namespace infergate::transform::gemini
