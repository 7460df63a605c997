// Reloads the config file into a new snapshot and publishes it. A config with any error
// changes nothing: every error is logged and returned, and the old snapshot keeps serving.
// A reload also reopens the access log (logrotate's postrotate needs only a SIGHUP) and
// applies log.level. Reloads run on the control thread only: SIGHUP, the file watch and
// POST /admin/reload (which hands its reload over from its worker) all end up there.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "infergate/config/config.hpp"
#include "infergate/net.hpp"

namespace prometheus {
class Gauge;
}

namespace infergate::server {

class Gateway;

struct ReloadResult {
    bool ok = false;
    std::uint64_t generation = 0;     // the generation serving after the attempt
    std::string hash;                 // config_hash() of the file read (empty if unreadable)
    std::vector<std::string> errors;  // "file:line:col: key.path: message" each
};

// The first 16 hex digits of the SHA-256 of the file's bytes: names a config in metrics.
std::string config_hash(std::string_view bytes);

class ConfigReloader {
public:
    // `path`: the file the running snapshot was loaded from (hashed now for the info metric).
    // `control`: the control thread's executor, where every reload runs.
    ConfigReloader(Gateway& gateway, std::string path, net::any_io_executor control);

    const std::string& path() const noexcept { return path_; }

    // Control thread only.
    ReloadResult reload();
    // From a coroutine on any thread (a worker's): runs reload() on the control thread and
    // resumes the caller on its own executor with the result, without blocking its thread.
    net::awaitable<ReloadResult> reload_on_control();
    // Called on the control thread after each successful reload, with the config now serving.
    void on_success(std::function<void(const config::Config&)> listener) { listener_ = std::move(listener); }

private:
    void show_hash(const std::string& hash);  // infergate_config_info{hash} 1

    Gateway& gateway_;
    const std::string path_;
    net::any_io_executor control_;
    std::mutex mutex_;  // tests and tools may still call reload() from elsewhere
    prometheus::Gauge* info_ = nullptr;
    std::function<void(const config::Config&)> listener_;
};

}  // namespace infergate::server
