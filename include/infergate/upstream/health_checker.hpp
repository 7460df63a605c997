// Active health checks: for each backend whose `health_check` is enabled, a GET of its health
// path every `interval`; each result goes to the circuit breaker of every route target on that
// backend in the current snapshot, which ejects after `unhealthy_threshold` failures in a row
// and takes the target back after `healthy_threshold` passes.
//
// The checks run on a thread and io_context of their own, owned by the Gateway: their timers
// keep time however busy the workers are, and a check's dial, TLS handshake or slow answer
// never lands on a worker's request path. The thread idles when nothing is checked.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "infergate/config/snapshot.hpp"
#include "infergate/net.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/upstream/health_probe.hpp"

namespace infergate::upstream {

class HealthChecker {
public:
    explicit HealthChecker(observability::Metrics& metrics);
    ~HealthChecker();  // stop()
    HealthChecker(const HealthChecker&) = delete;
    HealthChecker& operator=(const HealthChecker&) = delete;

    // Starts the thread and the checks `snapshot` asks for (the first check of each at once).
    void start(SnapshotPtr snapshot);
    // Any thread: follows a new snapshot. Checks of backends it no longer has, or no longer
    // checks the same way, end (a check in progress is abandoned, its result dropped); new
    // ones start; unchanged ones go on at their own pace, feeding the new snapshot's targets.
    void publish(SnapshotPtr snapshot);
    // Ends every check at once and joins the thread. Idempotent.
    void stop();

    // Any thread: the backends checked now, by name.
    std::vector<std::string> checked_backends() const;
    // Any thread: what the checks of each checked backend last found (GET /admin/backends).
    struct Status {
        bool failing = false;  // held out until healthy_threshold checks pass in a row
        bool probed = false;   // false: no check has finished yet
        bool last_passed = false;
        unsigned last_status = 0;  // 0: no answer
        std::string last_detail;   // why the last one failed ("connect: Connection refused")
        std::chrono::system_clock::time_point last_at{};
    };
    std::map<std::string, Status, std::less<>> statuses() const;
    // Any thread: checks whose state still exists (an ended one lingers until its coroutine
    // sees it ended: at most its timeout). For tests: nothing leaks across reloads.
    std::size_t live_checks() const noexcept { return live_checks_.load(std::memory_order_relaxed); }

private:
    struct Check;

    void adopt(SnapshotPtr snapshot);  // the checker thread from here on
    net::awaitable<void> run(std::shared_ptr<Check> check);
    void record(Check& check, const ProbeResult& result);
    void count_result(Check& check, const ProbeResult& result);  // breakers, metrics, the log
    void update_status(const Check& check, const ProbeResult& result);  // for statuses()

    observability::Metrics& metrics_;
    std::atomic<std::size_t> live_checks_{0};  // before io_: checks ending with it count down
    mutable std::mutex mutex_;                  // names_ and the control flags
    std::vector<std::string> names_;
    std::map<std::string, Status, std::less<>> statuses_;  // of the backends in names_
    bool started_ = false;
    bool stopped_ = false;
    net::io_context io_{1};
    net::executor_work_guard<net::io_context::executor_type> work_;
    std::thread thread_;
    SnapshotPtr current_;                                         // checker thread only
    std::map<std::string, std::shared_ptr<Check>, std::less<>> checks_;  // by backend name; ditto
};

}  // namespace infergate::upstream
