#include "infergate/upstream/headers.hpp"

#include <algorithm>
#include <array>

namespace infergate::upstream {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept { return beast::iequals(a, b); }

// RFC 9110 7.6.1: hop-by-hop, plus the proxy-era ones every proxy drops.
bool is_hop_by_hop(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 9> kNames = {
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate",
        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"};
    return std::any_of(kNames.begin(), kNames.end(),
                       [&](std::string_view hop) { return iequals(hop, name); });
}

// Headers listed in Connection are hop-by-hop for this message too.
bool named_in_connection(const http::fields& fields, std::string_view name) {
    const auto connection = fields.find(http::field::connection);
    if (connection == fields.end()) return false;
    for (const auto& token : http::token_list(connection->value())) {
        if (iequals(token, name)) return true;
    }
    return false;
}

bool never_forwarded_upstream(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 9> kNames = {
        "host", "content-length", "authorization", "api-key", "x-api-key", "cookie",
        "accept-encoding", "expect", "x-request-id"};
    return std::any_of(kNames.begin(), kNames.end(),
                       [&](std::string_view n) { return iequals(n, name); });
}

}  // namespace

void copy_request_headers(const http::fields& from, http::fields& to) {
    for (const auto& field : from) {
        const std::string_view name = field.name_string();
        if (is_hop_by_hop(name) || never_forwarded_upstream(name) ||
            named_in_connection(from, name)) {
            continue;
        }
        to.insert(name, field.value());
    }
}

void copy_response_headers(const http::fields& from, http::fields& to) {
    for (const auto& field : from) {
        const std::string_view name = field.name_string();
        if (is_hop_by_hop(name) || iequals(name, "content-length") ||
            named_in_connection(from, name)) {
            continue;
        }
        if (iequals(name, "x-request-id")) {
            to.insert("x-upstream-request-id", field.value());
            continue;
        }
        to.insert(name, field.value());
    }
}

}  // namespace infergate::upstream
