// Hot reload and graceful drain, on the real binary as a child process: SIGHUP reloads the
// config file, SIGTERM drains, a second signal stops at once.
#include <signal.h>

#include <future>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"

#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/gateway_process.hpp"

namespace infergate::testing {
namespace {

using namespace std::chrono_literals;

// 20 words 100 ms apart: a stream that lasts about 2 s.
const Headers kSlowStream{{"x-mock-chunks", "20"}, {"x-mock-delay-ms", "100"}};

class ReloadDrainTest : public ::testing::Test {
protected:
    void SetUp() override { mock_ = recording_mock(); }

    // The config file: backend "mock", `models` (YAML lines under models:), `server` lines.
    std::string config_text(const std::string& models, const std::string& server = "") const {
        return fmt::format(
            "server:\n  listen: \"127.0.0.1:0\"\n  workers: 2\n{}"
            "log: {{ level: info }}\n"
            "backends:\n  mock: {{ url: \"http://127.0.0.1:{}\" }}\n"
            "models:\n{}",
            server, mock_->port(), models);
    }
    void write_config(const std::string& text) const { gateway_.write_config(text); }
    std::string output() const { return gateway_.output(); }

    void start(const std::string& models, const std::string& server = "") {
        write_config(config_text(models, server));
        ASSERT_TRUE(gateway_.start()) << output();
        pid_ = gateway_.pid();
        port_ = gateway_.port();
    }
    std::string metrics() const { return gateway_.metrics(); }
    bool metric_is(const std::string& line) const { return gateway_.metric_is(line); }
    // A slow stream for `model`, read to its end on another thread; returns once it started.
    std::future<HttpResult> slow_stream(const std::string& model) {
        const std::size_t before = mock_->requests().size();
        auto result = std::async(std::launch::async, [this, model] {
            return post_json(port_, "/v1/chat/completions", chat_body(model, true), kSlowStream);
        });
        EXPECT_TRUE(eventually([&] { return mock_->requests().size() > before; }, 5s));
        return result;
    }

    std::unique_ptr<llm_mock::MockServer> mock_;
    GatewayProcess gateway_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

const std::string kDemo = "  demo: { targets: [ { backend: mock } ] }\n";
const std::string kFresh = "  fresh: { targets: [ { backend: mock } ] }\n";

bool stream_finished(const HttpResult& result) {
    const auto events = sse_data(result.body);
    return result.status == 200 && result.complete && !events.empty() && events.back() == "[DONE]";
}

TEST_F(ReloadDrainTest, SighupLoadsAValidConfig) {
    start(kDemo);
    EXPECT_TRUE(metric_is("infergate_config_generation 1"));
    const std::string first_info = metrics();
    EXPECT_NE(first_info.find("infergate_config_info{hash=\""), std::string::npos);

    write_config(config_text(kDemo + kFresh));
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_TRUE(metric_is("infergate_config_generation 2"));
    EXPECT_NE(get(port_, "/v1/models").body.find("\"fresh\""), std::string::npos);
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat_body("fresh")).status, 200);
    // One info series, naming the new file.
    const std::string text = metrics();
    const auto at = text.find("infergate_config_info{hash=\"");
    ASSERT_NE(at, std::string::npos);
    EXPECT_EQ(text.find("infergate_config_info{hash=\"", at + 1), std::string::npos);
    EXPECT_EQ(first_info.find(text.substr(at, 45)), std::string::npos);
}

TEST_F(ReloadDrainTest, AnInvalidConfigIsRejectedWholeAndTheOldOneServes) {
    start(kDemo);
    write_config(config_text(kFresh + "  broken: { targets: [ { backend: nowhere } ] }\n", "  idle_timeout: soon\n"));
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"failure\"} 1")) << output();
    const std::string out = output();
    const std::string file = gateway_.config_path().string();
    EXPECT_NE(out.find(file + ":4:17: server.idle_timeout:"), std::string::npos) << out;
    EXPECT_NE(out.find("models.broken.targets[0].backend: unknown backend \"nowhere\""), std::string::npos) << out;
    EXPECT_TRUE(metric_is("infergate_config_generation 1"));
    EXPECT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 0"));
    // Not even the valid part ("fresh") was taken.
    EXPECT_EQ(get(port_, "/v1/models").body.find("fresh"), std::string::npos);
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat_body("demo")).status, 200);
}

TEST_F(ReloadDrainTest, AStreamInFlightFinishesOnItsSnapshotWhileNewRequestsUseTheNewOne) {
    start(kDemo);
    auto stream = slow_stream("demo");
    write_config(config_text(kFresh));  // "demo" is gone
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat_body("demo")).status, 404);
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat_body("fresh")).status, 200);
    ASSERT_EQ(stream.wait_for(10s), std::future_status::ready);
    const HttpResult result = stream.get();
    EXPECT_TRUE(stream_finished(result)) << result.body;
}

TEST_F(ReloadDrainTest, PostAdminReloadAnswersWithTheResult) {
    const std::string key = auth::generate_key("admin");
    const std::string admin = fmt::format("admin: {{ key_sha256: \"{}\" }}\n", auth::to_hex(auth::sha256_of(key)));
    const Headers bearer{{"authorization", "Bearer " + key}};
    start(kDemo + admin);
    EXPECT_EQ(request(port_, http::verb::post, "/admin/reload").status, 401);
    EXPECT_EQ(request(port_, http::verb::get, "/admin/reload", "", bearer).status, 405);

    write_config(config_text(kDemo + kFresh + admin));
    HttpResult result = request(port_, http::verb::post, "/admin/reload", "", bearer);
    ASSERT_EQ(result.status, 200) << result.body;
    auto body = nlohmann::json::parse(result.body);
    EXPECT_EQ(body["result"], "success");
    EXPECT_EQ(body["generation"], 2);
    EXPECT_EQ(body["hash"].get<std::string>().size(), 16u);
    EXPECT_NE(get(port_, "/v1/models").body.find("\"fresh\""), std::string::npos);

    write_config(config_text(kFresh + "  broken: { targets: [ { backend: nowhere } ] }\n" + admin));
    result = request(port_, http::verb::post, "/admin/reload", "", bearer);
    ASSERT_EQ(result.status, 422) << result.body;
    body = nlohmann::json::parse(result.body);
    EXPECT_EQ(body["result"], "failure");
    EXPECT_EQ(body["generation"], 2);
    ASSERT_EQ(body["errors"].size(), 1u) << result.body;
    EXPECT_NE(body["errors"][0].get<std::string>().find("unknown backend \"nowhere\""), std::string::npos);
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat_body("demo")).status, 200);  // still generation 2
    EXPECT_TRUE(metric_is("infergate_config_reload_total{result=\"failure\"} 1"));
}

// Writes GET /readyz on an open keep-alive connection and reads the answer.
http::response<http::string_body> readyz(beast::tcp_stream& connection) {
    http::request<http::empty_body> request{http::verb::get, "/readyz", 11};
    request.set(http::field::host, "gateway");
    http::write(connection, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    connection.expires_after(5s);
    http::read(connection, buffer, response);
    return response;
}

TEST_F(ReloadDrainTest, SigtermDrainsTheOpenStreamThenExitsZero) {
    start(kDemo);
    net::io_context io;
    beast::tcp_stream idle(io);
    idle.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    ASSERT_EQ(readyz(idle).result_int(), 200);
    auto stream = slow_stream("demo");

    ::kill(pid_, SIGTERM);
    std::this_thread::sleep_for(200ms);
    ASSERT_TRUE(running(pid_)) << output();
    // Still open connections may ask: not ready, and this is the connection's last answer.
    const auto draining = readyz(idle);
    EXPECT_EQ(draining.result_int(), 503);
    EXPECT_NE(draining.body().find("draining"), std::string::npos);
    EXPECT_FALSE(draining.keep_alive());

    ASSERT_EQ(stream.wait_for(10s), std::future_status::ready);
    const HttpResult result = stream.get();
    EXPECT_TRUE(stream_finished(result)) << result.body;
    EXPECT_EQ(wait_for_exit(pid_, 5s), 0) << output();
    EXPECT_NE(output().find("drained"), std::string::npos) << output();
}

TEST_F(ReloadDrainTest, TheDrainDeadlineCutsAStreamAndStillExitsZero) {
    start(kDemo, "  drain_timeout: 300ms\n");
    auto stream = slow_stream("demo");
    const auto signalled = std::chrono::steady_clock::now();
    ::kill(pid_, SIGTERM);
    EXPECT_EQ(wait_for_exit(pid_, 5s), 0) << output();
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 1500ms);
    ASSERT_EQ(stream.wait_for(5s), std::future_status::ready);
    EXPECT_FALSE(stream_finished(stream.get()));
}

TEST_F(ReloadDrainTest, ASecondSignalStopsAtOnce) {
    start(kDemo, "  drain_timeout: 60s\n");
    auto stream = slow_stream("demo");
    ::kill(pid_, SIGTERM);
    std::this_thread::sleep_for(200ms);
    ASSERT_TRUE(running(pid_));
    const auto signalled = std::chrono::steady_clock::now();
    ::kill(pid_, SIGINT);
    EXPECT_EQ(wait_for_exit(pid_, 5s), 0) << output();
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 1s);
    ASSERT_EQ(stream.wait_for(5s), std::future_status::ready);
    EXPECT_FALSE(stream_finished(stream.get()));
}

}  // namespace
}  // namespace infergate::testing
