// Runs one body on several threads released at the same moment, so that the races the
// routing pieces must survive (probe, retry slot, pick) actually happen in tests.
#pragma once

#include <latch>
#include <thread>
#include <vector>

namespace infergate::routing {

// Returns once every thread has finished.
template <typename Body>
void run_together(int threads, const Body& body) {
    std::latch start(threads);
    std::vector<std::jthread> running;
    running.reserve(threads);
    for (int t = 0; t < threads; ++t) {
        running.emplace_back([&] {
            start.arrive_and_wait();
            body();
        });
    }
}

}  // namespace infergate::routing
