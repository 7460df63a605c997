// Compiles Asio (and its OpenSSL glue) once for the whole project.
#include <utility>

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
