// Compiles Beast once for the whole project.
#include <utility>

#include <boost/beast/src.hpp>
