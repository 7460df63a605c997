// The body of an event-loop thread (see event_loop.hpp).
#include "infergate/common/event_loop.hpp"

namespace infergate {

void run_event_loop(net::io_context& io, const std::function<void(const std::exception&)>& on_error) {
    for (;;) {
        try {
            io.run();
            return;
        } catch (const std::exception& error) {
            on_error(error);
        }
    }
}

}  // namespace infergate
