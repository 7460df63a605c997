// Child processes for tests that run real programs (the gateway's binary, load tools), and
// what /proc says about a process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace infergate::testing {

// The full path of `name` found on PATH; empty if it is not installed.
std::string find_program(const std::string& name);

// What a child gets beyond the test process's own environment and limits.
struct SpawnOptions {
    std::vector<std::string> env;        // "NAME=value", added to (or replacing) the inherited ones
    std::optional<std::size_t> max_fds;  // RLIMIT_NOFILE, soft and hard
};

// Starts `argv` (argv[0] a full path) in `cwd`, stdin from /dev/null, stdout and stderr to
// `output`. The child is killed if the test process dies. Throws std::system_error.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& output,
            const std::filesystem::path& cwd, const SpawnOptions& options = {});

// Waits for `pid` up to `timeout`; past it, kills it (SIGKILL) and returns nullopt. Otherwise
// the exit code (128 + signal number for a signal).
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

// True while `pid` (a child of this process) has not exited.
bool running(pid_t pid);

// The port in the gateway's "listening on http://127.0.0.1:PORT" line, once `output` (its
// stdout and stderr) has it; 0 if it did not come within `timeout`.
std::uint16_t listening_port(const std::filesystem::path& output,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

std::size_t open_fds(pid_t pid);       // entries in /proc/PID/fd
std::size_t rss_kib(pid_t pid);        // VmRSS from /proc/PID/status
// User + system CPU time the process has used so far (/proc/PID/stat).
std::chrono::milliseconds cpu_time(pid_t pid);
std::string read_text(const std::filesystem::path& path);

// Waits until the file `output` (a child's log) has text matching `pattern`: its capture
// groups (group 1 first); empty if none came within `timeout`.
std::vector<std::string> wait_for_output(const std::filesystem::path& output, const std::string& pattern,
                                         std::chrono::milliseconds timeout);

}  // namespace infergate::testing
