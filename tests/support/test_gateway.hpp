// Starts the real gateway in-process on 127.0.0.1:0 from a YAML string, with its access log
// in a temporary file the test can read. Also the secret canaries every test config uses.
#pragma once

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include <spdlog/sinks/ostream_sink.h>

#include "infergate/observability/metrics.hpp"
#include "infergate/server/gateway.hpp"

namespace infergate::testing {

// Planted in test configs and requests; the suite fails if one shows up in any output: every
// TestGateway checks its access log, its process log lines and /metrics when it stops.
inline constexpr const char* kBackendCanary = "sk-canary-BACKEND-7f3a91c2";
inline constexpr const char* kClientCanary = "sk-canary-CLIENT-0b5e44d8";

class TestGateway {
public:
    // `yaml` is a complete config; "listen" is forced to 127.0.0.1:0 unless given.
    explicit TestGateway(const std::string& yaml);
    ~TestGateway();

    std::uint16_t port() const { return gateway_->port(); }
    server::Gateway& gateway() { return *gateway_; }
    std::string access_log();  // flushed contents so far
    void stop() { gateway_->stop(); }

private:
    void check_for_canaries();

    std::filesystem::path dir_;
    std::ostringstream process_log_;  // what the gateway logged while this one ran
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
    observability::Metrics metrics_;
    std::unique_ptr<server::Gateway> gateway_;
};

// A minimal config: one backend "mock" at `backend_url` serving public model "demo" as
// upstream model "mock-model"; `extra_backend` is appended inside the backend's mapping
// (indented by 4 spaces), `server` inside the server mapping.
std::string demo_config(const std::string& backend_url, const std::string& extra_backend = "",
                        const std::string& server = "");

// A one-message chat request for `model`.
std::string chat_body(const std::string& model, bool stream = false);

// A chat request for demo_config()'s model "demo", plain and streamed.
inline const std::string kDemoChat = R"({"model":"demo","messages":[{"role":"user","content":"hi"}]})";
inline const std::string kDemoStreamChat =
    R"({"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]})";

}  // namespace infergate::testing
