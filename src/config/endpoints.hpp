// The two addresses in the config: where we listen ("host:port") and where a backend lives
// ("https://host:port/base"). Errors are plain messages for the loader to place.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace infergate::config {

template <typename T>
struct Checked {
    std::optional<T> value;
    std::string error;  // set iff !value
};

struct ListenAddress {
    std::string host;  // IPv6 without brackets ("::1"), ready for address parsing
    std::uint16_t port = 0;
};

struct BackendUrl {
    bool tls = false;
    std::string host;  // IPv6 without brackets
    std::uint16_t port = 0;
    std::string base_path;  // "" or "/openai": no trailing '/'
};

// Quotes (part of) the value for an error message; the loader passes one that hides values
// taken from the environment.
using QuotePart = std::function<std::string(std::string_view)>;

// "0.0.0.0:8080", "localhost:0", "[::1]:8080". Port 0 asks the kernel for a free port.
Checked<ListenAddress> parse_listen(std::string_view text, const QuotePart& quote);

// http(s)://host[:port][/base/path]. Messages never repeat the whole url, only the scheme,
// host or port at fault: the path or userinfo is where a credential might have been pasted.
Checked<BackendUrl> parse_backend_url(std::string_view text, const QuotePart& quote);

}  // namespace infergate::config
