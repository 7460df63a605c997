#include "infergate/api/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace infergate::api {

std::string render_error(const Error& error) {
    nlohmann::ordered_json body;
    auto& inner = body["error"];
    inner["message"] = error.message;
    inner["type"] = error.type;
    inner["param"] = error.param.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(error.param);
    inner["code"] = error.code;
    // Replace rather than throw on invalid UTF-8: messages may quote client input.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// Client-supplied text quoted in a message is cut short: an error body is no echo service.
std::string quoted(std::string_view text) {
    constexpr std::size_t kMax = 96;
    if (text.size() <= kMax) return std::string(text);
    return std::string(text.substr(0, kMax)) + "...";
}

// The path of a request target: its query may carry a credential (`?api_key=...`).
std::string_view path_only(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

Error invalid_request(std::string message, std::string param, std::string code) {
    return {400, std::move(message), "invalid_request_error", std::move(code), std::move(param)};
}

Error invalid_api_key(std::string message) {
    return {401, std::move(message), "invalid_request_error", "invalid_api_key", {}};
}

Error rate_limited(std::string message) {
    return {429, std::move(message), "rate_limit_exceeded", "rate_limit_exceeded", {}};
}

Error budget_exhausted(std::string message) {
    return {429, std::move(message), "insufficient_quota", "insufficient_quota", {}};
}

Error model_not_found(std::string_view model) {
    return {404,
            fmt::format("The model `{}` does not exist or you do not have access to it.",
                        quoted(model)),
            "invalid_request_error", "model_not_found", "model"};
}

Error model_drained(std::string_view model) {
    return {503,
            fmt::format("The model `{}` is temporarily unavailable: every target serving it is drained.",
                        quoted(model)),
            "server_error", "model_drained", {}};
}

Error route_not_found(std::string_view path) {
    return {404,
            fmt::format("Unknown request URL: {}. Please check the URL and method.",
                        quoted(path_only(path))),
            "invalid_request_error", "unknown_url", {}};
}

Error method_not_allowed(std::string_view method, std::string_view path) {
    return {405,
            fmt::format("Method {} is not allowed for {}.", quoted(method), quoted(path_only(path))),
            "invalid_request_error", "method_not_allowed", {}};
}

Error unsupported_media_type(std::string_view content_type) {
    return {415,
            fmt::format("Unsupported Content-Type `{}`: send application/json.", quoted(content_type)),
            "invalid_request_error", "unsupported_media_type", {}};
}

Error body_too_large(std::size_t limit) {
    return {413, fmt::format("Request body is larger than the limit of {} bytes.", limit),
            "invalid_request_error", "request_too_large", {}};
}

Error headers_too_large() {
    return {431, "Request headers are too large.", "invalid_request_error",
            "request_header_fields_too_large", {}};
}

Error request_timeout() {
    return {408, "The request was not received in time.", "invalid_request_error",
            "request_timeout", {}};
}

Error upstream_unavailable(std::string_view backend) {
    return {502, fmt::format("The upstream backend `{}` could not be reached.", backend),
            "server_error", "upstream_unavailable", {}};
}

Error upstream_timeout(std::string_view backend) {
    return {504, fmt::format("The upstream backend `{}` did not answer in time.", backend),
            "server_error", "upstream_timeout", {}};
}

Error upstream_overloaded(std::string_view backend) {
    return {503,
            fmt::format("No connection to the upstream backend `{}` became free in time.", backend),
            "server_error", "upstream_overloaded", {}};
}

Error upstream_invalid_response(std::string_view backend, std::string_view what) {
    return {502, fmt::format("The upstream backend `{}` sent an invalid response: {}.", backend, what),
            "server_error", "upstream_invalid_response", {}};
}

Error body_memory_full() {
    return {503, "The gateway is holding as many request bodies as it may; retry shortly.", "server_error",
            "gateway_overloaded", {}};
}

Error gateway_overloaded() {
    return {503, "The gateway is at its connection limit; retry shortly.", "server_error",
            "gateway_overloaded", {}};
}

Error upstream_auth_failed(std::string_view backend) {
    return {502,
            fmt::format("The upstream backend `{}` refused the gateway's credentials. This is a "
                        "gateway configuration problem, not a problem with your API key.",
                        backend),
            "server_error", "upstream_auth_failed", {}};
}

Error upstream_error(std::string_view backend, unsigned status) {
    return {status,
            fmt::format("The upstream backend `{}` answered with HTTP status {}.", backend, status),
            status >= 500 ? "server_error" : "invalid_request_error", "upstream_error", {}};
}

Error internal_error() {
    return {500, "The gateway failed to process the request.", "server_error", "internal_error",
            {}};
}

}  // namespace infergate::api
