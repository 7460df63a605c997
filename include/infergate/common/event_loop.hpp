// The body of an event-loop thread: runs an io_context until it is stopped or out of work.
#pragma once

#include <exception>
#include <functional>

#include "infergate/net.hpp"

namespace infergate {

// An exception that escapes a handler goes to `on_error` and the loop runs on: one bad
// handler must not end a thread that serves many others.
void run_event_loop(net::io_context& io, const std::function<void(const std::exception&)>& on_error);

}  // namespace infergate
