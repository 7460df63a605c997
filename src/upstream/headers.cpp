#include "infergate/upstream/headers.hpp"

#include <algorithm>
#include <array>

namespace infergate::upstream {
namespace {

// RFC 9110 7.6.1: hop-by-hop, plus the proxy-era ones every proxy drops. Known header names
// are compared by Beast's field enum (no string compare on the common path).
bool is_hop_by_hop(http::field field) noexcept {
    switch (field) {
        case http::field::connection:
        case http::field::keep_alive:
        case http::field::proxy_connection:
        case http::field::proxy_authenticate:
        case http::field::proxy_authorization:
        case http::field::te:
        case http::field::trailer:
        case http::field::transfer_encoding:
        case http::field::upgrade:
            return true;
        default:
            return false;
    }
}

bool never_forwarded_upstream(http::field field, std::string_view name) noexcept {
    switch (field) {
        case http::field::host:
        case http::field::content_length:
        case http::field::authorization:
        case http::field::cookie:
        case http::field::accept_encoding:
        case http::field::expect:
            return true;
        case http::field::unknown:
            // Credentials other SDKs send (Azure: api-key, Anthropic: x-api-key), and our id.
            return beast::iequals(name, "api-key") || beast::iequals(name, "x-api-key") ||
                   beast::iequals(name, "x-request-id");
        default:
            return false;
    }
}

// Headers listed in Connection are hop-by-hop for this message too. Parsed once per message.
class ConnectionTokens {
public:
    explicit ConnectionTokens(const http::fields& fields) {
        const auto connection = field_value(fields, http::field::connection);
        if (!connection) return;
        for (const auto& token : http::token_list(*connection)) {
            if (count_ == tokens_.size()) break;
            tokens_[count_++] = token;
        }
    }
    bool contains(std::string_view name) const noexcept {
        return std::any_of(tokens_.begin(), tokens_.begin() + count_,
                           [&](std::string_view token) { return beast::iequals(token, name); });
    }

private:
    std::array<std::string_view, 8> tokens_{};
    std::size_t count_ = 0;
};

}  // namespace

void for_each_forwarded_request_header(const http::fields& from, const HeaderVisitor& visit) {
    const ConnectionTokens listed(from);
    for (const auto& field : from) {
        const std::string_view name = field.name_string();
        const http::field id = field.name();
        if (is_hop_by_hop(id) || never_forwarded_upstream(id, name) || listed.contains(name)) {
            continue;
        }
        visit(name, field.value());
    }
}

void for_each_forwarded_response_header(const http::fields& from, const HeaderVisitor& visit,
                                        http::field skip) {
    const ConnectionTokens listed(from);
    for (const auto& field : from) {
        const std::string_view name = field.name_string();
        const http::field id = field.name();
        if (is_hop_by_hop(id) || id == http::field::content_length || listed.contains(name) ||
            (skip != http::field::unknown && id == skip)) {
            continue;
        }
        if (id == http::field::unknown && beast::iequals(name, "x-request-id")) {
            visit("x-upstream-request-id", field.value());
            continue;
        }
        visit(name, field.value());
    }
}

}  // namespace infergate::upstream
