// The real daemon as a child process, on a config file in a directory of its own: for tests
// of what only the process shows (signals, reloads of the file, descriptor limits, exit codes).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "support/process.hpp"

namespace infergate::testing {

class GatewayProcess {
public:
    GatewayProcess();   // makes the directory
    ~GatewayProcess();  // kills the daemon if it still runs, removes the directory
    GatewayProcess(const GatewayProcess&) = delete;
    GatewayProcess& operator=(const GatewayProcess&) = delete;

    const std::filesystem::path& dir() const noexcept { return dir_; }
    std::filesystem::path config_path() const { return dir_ / "gateway.yaml"; }
    // Replaces the config file by rename, as editors and Kubernetes do: the daemon never
    // reads half a file.
    void write_config(const std::string& text) const;

    // Starts the daemon on the config file and waits for its "listening on" line; false if it
    // never came (the daemon's output says why).
    bool start(const SpawnOptions& options = {});
    pid_t pid() const noexcept { return pid_; }
    std::uint16_t port() const noexcept { return port_; }
    std::string output() const;  // stdout and stderr so far

    std::string metrics() const;  // GET /metrics (empty if it failed)
    // Whether /metrics shows `line` (a whole "name{labels} value" line) within `timeout`.
    bool metric_is(const std::string& line, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    bool healthy() const;  // GET /healthz answered 200

private:
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace infergate::testing
