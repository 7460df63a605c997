// A GoogleTest fixture: a recording llm-mock and a gateway routing "demo" to it, both on real
// loopback sockets, started per test.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {

// A started llm-mock that keeps every request it receives.
inline std::unique_ptr<llm_mock::MockServer> recording_mock() {
    llm_mock::Options options;
    options.record = true;
    auto mock = std::make_unique<llm_mock::MockServer>(options);
    mock->start();
    return mock;
}

class MockedGatewayTest : public ::testing::Test {
protected:
    // `extra_backend` / `server`: YAML lines added to the backend / server mapping.
    void start(const std::string& extra_backend = "", const std::string& server = "") {
        mock_ = recording_mock();
        gateway_ = std::make_unique<TestGateway>(demo_config(
            "http://127.0.0.1:" + std::to_string(mock_->port()), extra_backend, server));
    }
    std::uint16_t port() const { return gateway_->port(); }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::unique_ptr<TestGateway> gateway_;
};

}  // namespace infergate::testing
