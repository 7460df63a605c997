#include "infergate/server/config_reloader.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "config/file_io.hpp"
#include "infergate/config/loader.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/observability/access_log.hpp"
#include "infergate/server/gateway.hpp"
#include "infergate/stages/auth/api_key.hpp"

namespace infergate::server {
namespace {

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Settings read once at start: a reload cannot apply them, so it says so instead of
// pretending.
void warn_about_restart_only(const config::Config& before, const config::Config& after) {
    const auto& a = before.server;
    const auto& b = after.server;
    if (a.plain_listener != b.plain_listener || a.listen_host != b.listen_host || a.listen_port != b.listen_port ||
        a.workers != b.workers) {
        spdlog::warn("config reload: server.listen and server.workers take effect on restart only");
    }
    if (a.tls && b.tls && (a.tls->listen_host != b.tls->listen_host || a.tls->listen_port != b.tls->listen_port)) {
        spdlog::warn("config reload: server.tls.listen takes effect on restart only");
    }
    if (!a.tls && b.tls) spdlog::warn("config reload: a new server.tls section takes effect on restart only");
}

// The HTTPS listener runs until the process ends: it needs a context in every snapshot.
std::vector<std::string> restart_only_errors(const config::Config& before, const config::Config& after) {
    if (before.server.tls && !after.server.tls) {
        return {after.source + ": server.tls: the HTTPS listener cannot be removed by a reload (restart to stop it)"};
    }
    return {};
}

// A new sink at the configured path, opened now: after logrotate moved the old file away
// this creates the new one. Null (and an error) if it cannot be opened.
std::shared_ptr<const observability::AccessLog> reopen_access_log(const config::Config& config,
                                                                  std::vector<std::string>& errors) {
    try {
        return std::make_shared<const observability::AccessLog>(config.log);
    } catch (const std::exception& error) {
        errors.push_back(config.source + ": log.access_log.path: " + error.what());
        return nullptr;
    }
}

}  // namespace

std::string config_hash(std::string_view bytes) { return config::content_hash(bytes); }

ConfigReloader::ConfigReloader(Gateway& gateway, std::string path, net::any_io_executor control)
    : gateway_(gateway), path_(std::move(path)), control_(std::move(control)) {
    std::string bytes;
    config::read_file(path_, bytes);  // just loaded: a failure here is a race, worth no more
    show_hash(config_hash(bytes));
    gateway_.metrics().config_last_reload_success.Set(unix_now());
}

void ConfigReloader::show_hash(const std::string& hash) {
    auto& family = gateway_.metrics().config_info;
    if (info_ != nullptr) family.Remove(info_);
    info_ = &family.Add({{"hash", hash}});
    info_->Set(1);
}

ReloadResult ConfigReloader::reload() {
    std::lock_guard lock(mutex_);
    std::lock_guard change(gateway_.change_mutex());  // a runtime key created meanwhile is in the file read
    auto& metrics = gateway_.metrics();
    const SnapshotPtr current = gateway_.current();
    ReloadResult result;
    result.generation = current->generation;
    std::string bytes;
    if (std::string error = config::read_file(path_, bytes); !error.empty()) {
        result.errors.push_back(path_ + ": " + error);
    } else {
        result.hash = config_hash(bytes);
        config::LoadResult loaded = config::load_from_string(bytes, path_);
        result.errors = std::move(loaded.errors);
        if (loaded.config) result.errors = restart_only_errors(current->config, *loaded.config);
        if (loaded.config && result.errors.empty()) {
            warn_about_restart_only(current->config, *loaded.config);
            // The current snapshot lends what survives a reload: quota counters, target
            // state, admission queues, the auth failure limiter.
            SnapshotBuild build =
                build_snapshot(std::move(*loaded.config), current->generation + 1, metrics, current.get());
            result.errors = std::move(build.errors);
            auto access_log = build.snapshot ? reopen_access_log(build.snapshot->config, result.errors) : nullptr;
            if (access_log) {
                result.generation = build.snapshot->generation;
                observability::configure_process_log(build.snapshot->config.log.level);
                gateway_.publish(std::move(build.snapshot), std::move(access_log));
            }
        }
    }
    result.ok = result.errors.empty();
    if (!result.ok) {
        for (const std::string& error : result.errors) spdlog::error("config reload: {}", error);
        spdlog::error("config reload: {} rejected ({} error{}); still serving generation {}", path_,
                      result.errors.size(), result.errors.size() == 1 ? "" : "s", result.generation);
        metrics.config_reloads_failed.Increment();
        // A snapshot built and then refused (its access log would not open) set the gauge.
        metrics.config_generation.Set(static_cast<double>(result.generation));
        return result;
    }
    metrics.config_reloads_succeeded.Increment();
    metrics.config_last_reload_success.Set(unix_now());
    show_hash(result.hash);
    spdlog::info("config reload: {} is now generation {} (hash {})", path_, result.generation, result.hash);
    if (listener_) listener_(gateway_.current()->config);
    return result;
}

net::awaitable<ReloadResult> ConfigReloader::reload_on_control() {
    // co_spawn completes on the awaiting coroutine's executor: the worker resumes on its own
    // thread, and serves other connections meanwhile.
    ReloadResult result = co_await net::co_spawn(
        control_, [this]() -> net::awaitable<ReloadResult> { co_return reload(); }, net::use_awaitable);
    co_return result;
}

}  // namespace infergate::server
