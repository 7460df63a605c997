// Active health checks of the current snapshot's backends (see health_checker.hpp).
#include "infergate/upstream/health_checker.hpp"

#include <limits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "infergate/common/event_loop.hpp"
#include "infergate/stages/routing/route_health.hpp"

namespace infergate::upstream {
namespace {

// What a running check depends on: when any of it changes, the check starts over.
std::string identity_of(const Backend& backend) {
    const config::Backend& settings = backend.settings();
    const config::HealthCheck& check = settings.health_check;
    return fmt::format("{}|{}|{}|{}|{}", backend.pool_key(), check.path, check.interval.count(),
                       check.timeout.count(), settings.timeouts.connect.count());
}

void count_up(std::uint32_t& in_row) {
    if (in_row < std::numeric_limits<std::uint32_t>::max()) ++in_row;
}

}  // namespace

struct HealthChecker::Check {
    Check(HealthChecker& owner, BackendPtr checked, std::string key)
        : live(owner.live_checks_),
          backend(std::move(checked)),
          identity(std::move(key)),
          timer(owner.io_),
          passes(owner.metrics_.health_checks.Add({{"backend", backend->name()}, {"result", "pass"}})),
          failures(owner.metrics_.health_checks.Add({{"backend", backend->name()}, {"result", "fail"}})) {
        live.fetch_add(1, std::memory_order_relaxed);
    }
    ~Check() { live.fetch_sub(1, std::memory_order_relaxed); }
    Check(const Check&) = delete;
    Check& operator=(const Check&) = delete;

    void end() {
        ended = true;
        timer.cancel();
    }

    std::atomic<std::size_t>& live;
    BackendPtr backend;  // the current snapshot's
    const std::string identity;
    net::steady_timer timer;  // the pause between two checks
    prometheus::Counter& passes;
    prometheus::Counter& failures;
    bool ended = false;
    // The checker's own view, for logging transitions once per backend (the breakers keep
    // their own counts: these only decide what is logged).
    bool failing = false;
    std::uint32_t passed_in_row = 0;
    std::uint32_t failed_in_row = 0;
};

HealthChecker::HealthChecker(observability::Metrics& metrics)
    : metrics_(metrics), work_(net::make_work_guard(io_)) {}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::start(SnapshotPtr snapshot) {
    {
        std::lock_guard lock(mutex_);
        if (started_ || stopped_) return;
        started_ = true;
    }
    net::post(io_, [this, snapshot = std::move(snapshot)]() mutable { adopt(std::move(snapshot)); });
    thread_ = std::thread([this] {
        run_event_loop(io_, [](const std::exception& error) {
            spdlog::error("health checks: unexpected exception in the event loop: {}", error.what());
        });
    });
}

void HealthChecker::publish(SnapshotPtr snapshot) {
    std::lock_guard lock(mutex_);
    if (!started_ || stopped_) return;
    net::post(io_, [this, snapshot = std::move(snapshot)]() mutable { adopt(std::move(snapshot)); });
}

void HealthChecker::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        names_.clear();
    }
    // Prompt: no check is waited for. Their coroutines are destroyed with io_.
    io_.stop();
    if (thread_.joinable()) thread_.join();
}

std::vector<std::string> HealthChecker::checked_backends() const {
    std::lock_guard lock(mutex_);
    return names_;
}

std::map<std::string, HealthChecker::Status, std::less<>> HealthChecker::statuses() const {
    std::lock_guard lock(mutex_);
    return statuses_;
}

void HealthChecker::adopt(SnapshotPtr snapshot) {
    current_ = std::move(snapshot);
    std::map<std::string, std::shared_ptr<Check>, std::less<>> next;
    for (const auto& [name, backend] : current_->backends) {
        if (!backend->settings().health_check.enabled) continue;
        std::string identity = identity_of(*backend);
        if (const auto found = checks_.find(name); found != checks_.end() && found->second->identity == identity) {
            found->second->backend = backend;  // the same check, on the new snapshot's objects
            next.emplace(name, std::move(found->second));
            checks_.erase(found);
            continue;
        }
        auto check = std::make_shared<Check>(*this, backend, std::move(identity));
        // Targets carried over a reload may already be held out by earlier checks.
        check->failing = routing::failing_health_checks(current_->routes, name);
        net::co_spawn(io_, run(check), [name = name](std::exception_ptr error) {
            if (error) spdlog::error("backend {}: health checks ended by an unexpected exception", name);
        });
        next.emplace(name, std::move(check));
    }
    for (auto& [name, stale] : checks_) stale->end();
    checks_ = std::move(next);
    std::vector<std::string> names;
    for (const auto& [name, check] : checks_) names.push_back(name);
    std::lock_guard lock(mutex_);
    std::erase_if(statuses_, [&](const auto& entry) { return !checks_.contains(entry.first); });
    names_ = std::move(names);
}

net::awaitable<void> HealthChecker::run(std::shared_ptr<Check> check) {
    while (!check->ended) {
        // Held here: a reload may replace check->backend while this probe is out.
        const BackendPtr backend = check->backend;
        const ProbeResult result = co_await probe_health(*backend);
        if (check->ended) break;
        record(*check, result);
        check->timer.expires_after(check->backend->settings().health_check.interval);
        co_await check->timer.async_wait(use_tuple);  // cancelled when the check ends: see the loop
    }
}

void HealthChecker::record(Check& check, const ProbeResult& result) {
    count_result(check, result);
    update_status(check, result);
}

void HealthChecker::count_result(Check& check, const ProbeResult& result) {
    const std::string& name = check.backend->name();
    const config::HealthCheck& settings = check.backend->settings().health_check;
    (result.passed ? check.passes : check.failures).Increment();
    routing::record_health_check(current_->routes, name, result.passed, std::chrono::steady_clock::now());
    if (result.passed) {
        check.failed_in_row = 0;
        count_up(check.passed_in_row);
        if (check.failing && check.passed_in_row >= settings.healthy_threshold) {
            check.failing = false;
            spdlog::info("backend {}: passing health checks again ({} in a row); its targets are back in rotation",
                         name, check.passed_in_row);
        }
        return;
    }
    check.passed_in_row = 0;
    count_up(check.failed_in_row);
    if (!check.failing && check.failed_in_row >= settings.unhealthy_threshold) {
        check.failing = true;
        spdlog::warn("backend {}: failing health checks ({} in a row, last: {}); its targets are ejected until "
                     "{} pass in a row",
                     name, check.failed_in_row, result.detail, settings.healthy_threshold);
    } else {
        spdlog::debug("backend {}: health check failed: {}", name, result.detail);
    }
}

void HealthChecker::update_status(const Check& check, const ProbeResult& result) {
    std::lock_guard lock(mutex_);
    Status& status = statuses_[check.backend->name()];
    status.failing = check.failing;
    status.probed = true;
    status.last_passed = result.passed;
    status.last_status = result.status;
    status.last_detail = result.detail;
    status.last_at = std::chrono::system_clock::now();
}

}  // namespace infergate::upstream
