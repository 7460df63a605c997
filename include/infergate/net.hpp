// The one header that includes Asio and Beast, with the aliases the rest of the code uses.
// Asio/Beast are compiled once in src/net/ (BOOST_*_SEPARATE_COMPILATION).
#pragma once

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

}  // namespace infergate
