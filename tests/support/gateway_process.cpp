#include "support/gateway_process.hpp"

#include <signal.h>

#include <fstream>
#include <random>
#include <regex>

#include <fmt/format.h>

#include "support/http_client.hpp"

namespace infergate::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

GatewayProcess::GatewayProcess()
    : dir_(fs::temp_directory_path() / fmt::format("infergate-process-{}", std::random_device{}())) {
    fs::create_directories(dir_);
}

GatewayProcess::~GatewayProcess() {
    if (pid_ > 0 && running(pid_)) {
        ::kill(pid_, SIGKILL);
        wait_for_exit(pid_, 5s);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

void GatewayProcess::write_config(const std::string& text) const {
    std::ofstream(dir_ / "next.yaml", std::ios::binary) << text;
    fs::rename(dir_ / "next.yaml", config_path());
}

bool GatewayProcess::start(const SpawnOptions& options) {
    pid_ = spawn({INFERGATE_BINARY, "--config", config_path().string()}, dir_ / "gateway.out", dir_, options);
    static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    std::smatch match;
    std::string out;
    const bool started = eventually([&] {
        out = output();
        return std::regex_search(out, match, listening) || !running(pid_);
    }, 15s);
    if (!started || match.empty()) return false;
    port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
    return true;
}

std::string GatewayProcess::output() const { return read_text(dir_ / "gateway.out"); }

std::string GatewayProcess::metrics() const {
    try {
        return get(port_, "/metrics").body;
    } catch (const std::exception&) {
        return {};
    }
}

bool GatewayProcess::metric_is(const std::string& line, std::chrono::milliseconds timeout) const {
    return eventually([&] { return metrics().find("\n" + line + "\n") != std::string::npos; }, timeout);
}

bool GatewayProcess::healthy() const {
    try {
        return get(port_, "/healthz").status == 200;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace infergate::testing
