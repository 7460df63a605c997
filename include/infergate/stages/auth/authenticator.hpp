// Turns the credential a request presents (an API key, or a JWT bearer token when auth.jwt
// lists issuers) into a Principal, or a 401. Used by the auth stage (model API requests) and by
// GET /v1/models, which lists only what the caller may use.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <variant>

#include "infergate/api/error.hpp"
#include "infergate/net.hpp"
#include "infergate/stages/auth/principal.hpp"

namespace infergate {
struct Snapshot;
}

namespace infergate::auth {

// The bearer token or API key, from `Authorization: Bearer`, `api-key` (Azure OpenAI SDKs) or
// `x-api-key` (Anthropic SDKs). nullopt: none sent; empty: sent in an unusable form.
std::optional<std::string_view> presented_credential(const http::request_header<>& headers) noexcept;

std::variant<Principal, api::Error> authenticate(const http::request_header<>& headers,
                                                 const Snapshot& snapshot,
                                                 std::chrono::system_clock::time_point now);

}  // namespace infergate::auth
