// Helpers for the AdmissionQueue tests: an io_context on its own thread (as a gateway worker
// runs one), waiting for what another thread brings about, and readable results in failures.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "infergate/net.hpp"
#include "infergate/stages/routing/admission_queue.hpp"

namespace infergate::routing {

inline void PrintTo(AdmissionResult result, std::ostream* out) { *out << to_string(result); }

inline AdmissionSettings limit(std::size_t max_concurrency, std::size_t max_queue = 256) {
    AdmissionSettings settings;
    settings.max_concurrency = max_concurrency;
    settings.max_queue = max_queue;
    return settings;
}

// A held slot (of a queue with one free), so that what comes next has to wait.
inline Admission hold(AdmissionQueue& queue) {
    std::optional<Admission> held = queue.try_admit({});
    if (!held || !held->admitted()) throw std::logic_error("hold(): no free slot");
    return std::move(*held);
}

// Starts admit(request) on `io`; its answer lands in `answer` once the io_context runs it.
inline void spawn_admit(net::io_context& io, AdmissionQueue& queue, AdmissionRequest request,
                        std::optional<Admission>& answer) {
    net::co_spawn(
        io,
        [&queue, request, &answer]() -> net::awaitable<void> {
            answer = co_await queue.admit(request);
        },
        net::detached);
}

// admit(request) on an io_context of its own, run until it answers.
inline Admission admit_and_wait(AdmissionQueue& queue, AdmissionRequest request = {}) {
    std::optional<Admission> answer;
    net::io_context io;
    spawn_admit(io, queue, request, answer);
    io.run();
    if (!answer) throw std::logic_error("admit_and_wait(): no answer");
    return std::move(*answer);
}

// An io_context run by one thread until stop(); destroying it destroys what still waits on it.
class WorkerThread {
public:
    WorkerThread() : thread_([this] { io_.run(); }), id_(thread_.get_id()) {}
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;
    ~WorkerThread() { stop(); }

    net::io_context& io() noexcept { return io_; }
    std::thread::id id() const noexcept { return id_; }
    // Stops the loop and joins the thread; what waits on the io_context stays suspended.
    void stop() {
        work_.reset();
        io_.stop();
        if (thread_.joinable()) thread_.join();
    }

private:
    net::io_context io_{1};
    net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
    std::thread thread_;
    std::thread::id id_;
};

// Polls `condition` until it holds or `limit` passes (generous: only a hang should hit it).
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

}  // namespace infergate::routing
