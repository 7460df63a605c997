// The one header that includes Asio and Beast, with the aliases the rest of the code uses.
// Asio/Beast are compiled once in src/net/ (BOOST_*_SEPARATE_COMPILATION).
#pragma once

#include <optional>
#include <string_view>
#include <utility>  // some Boost headers use std::exchange without including it

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace infergate {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// Coroutine completion token that returns (error_code, results...) instead of throwing:
// expected I/O endings (eof, timeout, reset) are values, not exceptions.
inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// The value of a known header, found by a walk over the message's few fields: Beast's
// find(field) goes through its ordered set, comparing names case-insensitively at each step,
// several times the cost, and these lookups run on every request.
inline std::optional<std::string_view> field_value(const http::fields& fields, http::field name) noexcept {
    for (const auto& field : fields) {
        if (field.name() == name) return field.value();
    }
    return std::nullopt;
}

}  // namespace infergate
