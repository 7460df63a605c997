#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

namespace infergate::testing {

std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return {};
}

pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& output,
            const std::filesystem::path& cwd, const SpawnOptions& options) {
    // Everything the child needs is prepared before fork(): between fork and exec only
    // async-signal-safe calls (the parent has other threads).
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (char** var = environ; *var != nullptr; ++var) {
        const std::string_view inherited(*var);
        const auto replaced = [&](const std::string& added) {
            const auto name = added.substr(0, added.find('=') + 1);
            return inherited.substr(0, name.size()) == name;
        };
        if (std::none_of(options.env.begin(), options.env.end(), replaced)) envp.push_back(*var);
    }
    for (const std::string& var : options.env) envp.push_back(const_cast<char*>(var.c_str()));
    envp.push_back(nullptr);
    rlimit fds{};
    if (options.max_fds) fds.rlim_cur = fds.rlim_max = *options.max_fds;
    const std::string out = output.string(), dir = cwd.string();
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        const int in = open("/dev/null", O_RDONLY);
        const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || fd < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
            chdir(dir.c_str()) != 0) {
            _exit(127);
        }
        if (options.max_fds && setrlimit(RLIMIT_NOFILE, &fds) != 0) _exit(127);
        execve(args[0], args.data(), envp.data());
        _exit(127);
    }
    return pid;
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (done < 0) return -1;
        if (std::chrono::steady_clock::now() >= until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::uint16_t listening_port(const std::filesystem::path& output, std::chrono::milliseconds timeout) {
    const auto groups = wait_for_output(output, R"(listening on http://127\.0\.0\.1:(\d+))", timeout);
    return groups.empty() ? 0 : static_cast<std::uint16_t>(std::stoi(groups[0]));
}

bool running(pid_t pid) {
    int status = 0;
    return waitpid(pid, &status, WNOHANG) == 0;
}

std::size_t open_fds(pid_t pid) {
    std::error_code ec;
    std::size_t count = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
         !ec && it != end; it.increment(ec)) {
        ++count;
    }
    return count;
}

std::size_t rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
    }
    return 0;
}

std::chrono::milliseconds cpu_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces, so start after its ')'): state is
    // the 3rd field of the line, utime and stime the 14th and 15th.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i < 14 && fields >> field; ++i) {
    }
    long long utime = 0, stime = 0;
    fields >> utime >> stime;
    const long ticks = sysconf(_SC_CLK_TCK);
    return std::chrono::milliseconds((utime + stime) * 1000 / (ticks > 0 ? ticks : 100));
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}


std::vector<std::string> wait_for_output(const std::filesystem::path& output, const std::string& pattern,
                                         std::chrono::milliseconds timeout) {
    const std::regex wanted(pattern);
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const std::string text = read_text(output);
        std::smatch match;
        if (std::regex_search(text, match, wanted)) {
            std::vector<std::string> groups;
            for (std::size_t i = 1; i < match.size(); ++i) groups.push_back(match[i]);
            return groups;
        }
        if (std::chrono::steady_clock::now() >= until) return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace infergate::testing
