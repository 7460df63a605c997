// A GoogleTest fixture for tests of the real binary as a child process, on a config file of
// their own (reload, file watch, drain): a recording llm-mock as backend "mock", a temporary
// directory holding the config and the gateway's output, and /metrics read back.
#pragma once

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/process.hpp"

namespace infergate::testing {

class GatewayProcessTest : public ::testing::Test {
protected:
    void SetUp() override {
        mock_ = recording_mock();
        dir_ = std::filesystem::temp_directory_path() / fmt::format("infergate-reload-{}", std::random_device{}());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        if (pid_ > 0 && running(pid_)) {
            ::kill(pid_, SIGKILL);
            wait_for_exit(pid_, std::chrono::seconds(5));
        }
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    // The config file: backend "mock" (plus backend_settings_), `models` (YAML lines under
    // models:), `server` lines, then `rest` at top level. The file watch is off unless
    // watch_config_ says otherwise, so that only the test's own signals and requests reload.
    std::string config_text(const std::string& models, const std::string& server = "",
                            const std::string& rest = "log: { level: info }\n") const {
        return fmt::format(
            "server:\n  listen: \"127.0.0.1:0\"\n  workers: {}\n  watch_config: {}\n{}{}"
            "backends:\n  mock: {{ url: \"http://127.0.0.1:{}\"{} }}\n"
            "models:\n{}",
            workers_, watch_config_ ? "true" : "false", server, rest, mock_->port(), backend_settings_, models);
    }
    std::filesystem::path config_path() const { return dir_ / "gateway.yaml"; }
    // Replaced by rename, as editors and Kubernetes do: a reader never sees half a file.
    void write_config(const std::string& text) const {
        std::ofstream(dir_ / "next.yaml") << text;
        std::filesystem::rename(dir_ / "next.yaml", config_path());
    }
    std::string output() const { return read_text(dir_ / "gateway.out"); }

    void start(const std::string& models, const std::string& server = "") {
        write_config(config_text(models, server));
        launch(config_path());
    }
    // Runs the gateway on `config` (already written) and waits until it listens.
    void launch(const std::filesystem::path& config) {
        pid_ = spawn({INFERGATE_BINARY, "--config", config.string()}, dir_ / "gateway.out", dir_);
        static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
        std::smatch match;
        std::string out;
        ASSERT_TRUE(eventually([&] {
            out = output();
            return std::regex_search(out, match, listening);
        }, std::chrono::seconds(10))) << out;
        port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
    }
    std::string metrics() const { return get(port_, "/metrics").body; }
    bool metric_is(const std::string& line) const {
        return eventually([&] { return metrics().find(line + "\n") != std::string::npos; }, std::chrono::seconds(5));
    }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    unsigned workers_ = 2;
    bool watch_config_ = false;
    std::string backend_settings_;  // ", key: value" pairs added to the mock backend's mapping
};

inline const std::string kDemo = "  demo: { targets: [ { backend: mock } ] }\n";
inline const std::string kFresh = "  fresh: { targets: [ { backend: mock } ] }\n";

inline std::string chat(const std::string& model, bool stream = false) {
    return fmt::format(R"({{"model":"{}","stream":{},"messages":[{{"role":"user","content":"hi"}}]}})", model,
                       stream ? "true" : "false");
}

}  // namespace infergate::testing
