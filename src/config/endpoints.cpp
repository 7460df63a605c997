#include "endpoints.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>

namespace infergate::config {

namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

// A DNS name or an IPv4 address; no percent-encoding, no spaces.
bool is_reg_name(std::string_view host) {
    if (host.empty()) return false;
    for (const char c : host) {
        if (!is_alnum(c) && c != '.' && c != '-' && c != '_') return false;
    }
    return true;
}

// The inside of "[...]": hex groups, colons, an optional embedded IPv4 tail.
// inet_pton is strict (no leading zeros tricks, no zone ids): what it accepts, the network
// code's address parsing accepts too.
bool is_ip_literal(int family, const std::string& host) {
    unsigned char buffer[sizeof(in6_addr)];
    return ::inet_pton(family, host.c_str(), buffer) == 1;
}

std::optional<std::uint16_t> parse_port(std::string_view text, unsigned min_port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min_port ||
        value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

struct HostPort {
    std::string host;
    std::string_view port;  // empty when absent
    bool has_port = false;
    bool missing_host = false;
    bool bracketed = false;  // an IPv6 literal
};

// Splits "host", "host:port", "[v6]" and "[v6]:port"; the error is "" for an accepted shape.
std::string split_host_port(std::string_view text, const QuotePart& quote, HostPort& out) {
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) return "missing \"]\" after the IPv6 address";
        out.host = std::string{text.substr(1, close - 1)};
        if (!is_ip_literal(AF_INET6, out.host)) return "invalid IPv6 address " + quote(out.host);
        out.bracketed = true;
        const std::string_view rest = text.substr(close + 1);
        if (rest.empty()) return {};
        if (rest.front() != ':') return "unexpected text after \"]\"";
        out.port = rest.substr(1);
        out.has_port = true;
        return {};
    }
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
        return "IPv6 addresses need brackets, like \"[::1]:8080\"";
    }
    out.host = std::string{text.substr(0, colon)};
    if (colon != std::string_view::npos) {
        out.port = text.substr(colon + 1);
        out.has_port = true;
    }
    if (out.host.empty()) {
        out.missing_host = true;
        return "host is missing";
    }
    if (!is_reg_name(out.host)) return "invalid host " + quote(out.host);
    return {};
}

// RFC 3986 path characters, minus '@' (refused earlier) and with %XX checked.
bool is_valid_path(std::string_view path) {
    static constexpr std::string_view allowed = "-._~!$&'()*+,;=:/";
    for (std::size_t i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == '%') {
            if (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2])) {
                return false;
            }
            i += 2;
        } else if (!is_alnum(c) && allowed.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

std::string lowercase(std::string_view text) {
    std::string out{text};
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace

Checked<ListenAddress> parse_listen(std::string_view text, const QuotePart& quote) {
    static const std::string shape = "expected host:port like \"0.0.0.0:8080\", got ";
    HostPort parts;
    if (std::string error = split_host_port(text, quote, parts); !error.empty()) {
        if (parts.missing_host) return {std::nullopt, shape + quote(text)};
        return {std::nullopt, std::move(error)};
    }
    if (!parts.has_port || parts.port.empty()) return {std::nullopt, shape + quote(text)};
    // The server binds without resolving names, so "localhost" would only fail at start.
    if (!parts.bracketed && !is_ip_literal(AF_INET, parts.host)) {
        static const std::string want_ip =
            "expected an IP address to listen on, like 0.0.0.0, 127.0.0.1 or [::], got ";
        return {std::nullopt, want_ip + quote(parts.host)};
    }
    const auto port = parse_port(parts.port, 0);
    if (!port) {
        return {std::nullopt, "port must be a number from 0 to 65535, got " + quote(parts.port)};
    }
    return {ListenAddress{std::move(parts.host), *port}, {}};
}

Checked<BackendUrl> parse_backend_url(std::string_view text, const QuotePart& quote) {
    static const std::string shape = "expected a URL like \"http://host:8000\"";
    const std::size_t scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) return {std::nullopt, shape};
    const std::string scheme = lowercase(text.substr(0, scheme_end));
    for (const char c : scheme) {
        if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return {std::nullopt, shape};
    }
    if (scheme != "http" && scheme != "https") {
        return {std::nullopt, "unsupported scheme " + quote(scheme) + " (supported: http, https)"};
    }
    // Checked on the whole url: a password containing '/' would otherwise hide in the path.
    if (text.find('@') != std::string_view::npos) {
        return {std::nullopt, "must not contain credentials (\"user@\"): put the key in api_key"};
    }
    if (text.find('?') != std::string_view::npos) {
        return {std::nullopt, "must not contain a query (\"?...\")"};
    }
    if (text.find('#') != std::string_view::npos) {
        return {std::nullopt, "must not contain a fragment (\"#...\")"};
    }

    const std::string_view rest = text.substr(scheme_end + 3);
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);

    BackendUrl url;
    url.tls = scheme == "https";
    HostPort parts;
    if (std::string error = split_host_port(authority, quote, parts); !error.empty()) {
        return {std::nullopt, std::move(error)};
    }
    url.host = std::move(parts.host);
    url.port = url.tls ? 443 : 80;
    if (parts.has_port) {
        const auto port = parse_port(parts.port, 1);
        if (!port) {
            return {std::nullopt,
                    "port must be a number from 1 to 65535, got " + quote(parts.port)};
        }
        url.port = *port;
    }
    if (!is_valid_path(path)) {
        return {std::nullopt, "path contains a character that must be percent-encoded"};
    }
    while (path.ends_with('/')) path.remove_suffix(1);
    if (path.ends_with("/v1")) {
        return {std::nullopt,
                "must not end in \"/v1\": the gateway appends \"/v1/...\" to the url itself"};
    }
    url.base_path = std::string{path};
    return {std::move(url), {}};
}

}  // namespace infergate::config
