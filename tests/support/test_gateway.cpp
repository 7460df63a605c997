#include "support/test_gateway.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "infergate/config/loader.hpp"
#include "infergate/config/snapshot.hpp"
#include "support/process.hpp"

namespace infergate::testing {

TestGateway::TestGateway(const std::string& yaml) {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("infergate-test-{}", std::random_device{}());
    std::filesystem::create_directories(dir_);
    auto env = [](std::string_view name) -> std::optional<std::string> {
        if (name == "TEST_BACKEND_KEY") return std::string(kBackendCanary);
        return config::process_env(name);
    };
    config::LoadResult loaded = config::load_from_string(yaml, "test.yaml", env);
    if (!loaded.ok()) {
        std::string all;
        for (const auto& e : loaded.errors) all += e + "\n";
        throw std::runtime_error("test config rejected:\n" + all);
    }
    loaded.config->log.access_path = (dir_ / "access.log").string();
    SnapshotBuild build = build_snapshot(std::move(*loaded.config), 1, metrics_);
    if (!build.snapshot) throw std::runtime_error("snapshot build failed: " + build.errors.front());
    auto log = std::make_shared<const observability::AccessLog>(build.snapshot->config.log);
    log_sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(process_log_);
    spdlog::default_logger()->sinks().push_back(log_sink_);
    gateway_ = std::make_unique<server::Gateway>(build.snapshot, metrics_, log);
    gateway_->start();
}

void TestGateway::check_for_canaries() {
    const std::string metrics = metrics_.serialize();
    const std::string access = access_log();
    const std::string process = process_log_.str();
    for (const char* canary : {kBackendCanary, kClientCanary}) {
        for (const auto& [where, text] : {std::pair{"the access log", &access}, std::pair{"/metrics", &metrics},
                                          std::pair{"the process log", &process}}) {
            if (text->find(canary) != std::string::npos) {
                ADD_FAILURE() << "secret canary " << canary << " leaked into " << where << ":\n" << *text;
            }
        }
    }
}

TestGateway::~TestGateway() {
    gateway_.reset();
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), log_sink_), sinks.end());
    check_for_canaries();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string TestGateway::access_log() { return read_text(dir_ / "access.log"); }

std::string chat_body(const std::string& model, bool stream) {
    return fmt::format(R"({{"model":"{}","stream":{},"messages":[{{"role":"user","content":"hi"}}]}})", model,
                       stream ? "true" : "false");
}

std::string demo_config(const std::string& backend_url, const std::string& extra_backend,
                        const std::string& server) {
    const std::string workers = server.find("workers:") == std::string::npos ? "  workers: 2" : "";
    return fmt::format(R"(server:
  listen: "127.0.0.1:0"
{}
{}
log:
  level: warn
  access_log: {{ format: json }}
backends:
  mock:
    url: "{}"
    provider: openai
    api_key: "${{TEST_BACKEND_KEY}}"
{}
models:
  demo:
    targets: [ {{ backend: mock, model: mock-model }} ]
  same-name:
    targets: [ {{ backend: mock }} ]
)",
                       workers, server, backend_url, extra_backend);
}

}  // namespace infergate::testing
