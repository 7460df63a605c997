// Hot reload and graceful drain, on the real binary as a child process: SIGHUP reloads the
// config file (keeping warm upstream connections and quota counters, reopening the access
// log, failing no request under load), SIGTERM drains, a second signal stops at once.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"

#include "support/gateway_process_test.hpp"

namespace infergate::testing {
namespace {

using namespace std::chrono_literals;

// 20 words 100 ms apart: a stream that lasts about 2 s.
const Headers kSlowStream{{"x-mock-chunks", "20"}, {"x-mock-delay-ms", "100"}};

class ReloadDrainTest : public GatewayProcessTest {
protected:
    // A slow stream for `model`, read to its end on another thread; returns once it started.
    std::future<HttpResult> slow_stream(const std::string& model) {
        const std::size_t before = mock_->requests().size();
        auto result = std::async(std::launch::async, [this, model] {
            return post_json(port_, "/v1/chat/completions", chat(model, true), kSlowStream);
        });
        EXPECT_TRUE(eventually([&] { return mock_->requests().size() > before; }, 5s));
        return result;
    }
};

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
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("fresh")).status, 200);
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
    const std::string file = (dir_ / "gateway.yaml").string();
    EXPECT_NE(out.find(file + ":5:17: server.idle_timeout:"), std::string::npos) << out;
    EXPECT_NE(out.find("models.broken.targets[0].backend: unknown backend \"nowhere\""), std::string::npos) << out;
    EXPECT_TRUE(metric_is("infergate_config_generation 1"));
    EXPECT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 0"));
    // Not even the valid part ("fresh") was taken.
    EXPECT_EQ(get(port_, "/v1/models").body.find("fresh"), std::string::npos);
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 200);
}

TEST_F(ReloadDrainTest, AStreamInFlightFinishesOnItsSnapshotWhileNewRequestsUseTheNewOne) {
    start(kDemo);
    auto stream = slow_stream("demo");
    write_config(config_text(kFresh));  // "demo" is gone
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 404);
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("fresh")).status, 200);
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
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 200);  // still generation 2
    EXPECT_TRUE(metric_is("infergate_config_reload_total{result=\"failure\"} 1"));
}

// Ten reloads, alternating two configs, while 8 clients send streamed and plain requests
// without pause: not one request may fail or be cut.
TEST_F(ReloadDrainTest, ReloadsUnderLoadFailNoRequest) {
    start(kDemo);
    std::atomic<bool> stop{false};
    std::atomic<int> sent{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t) {
        clients.emplace_back([&, t] {
            for (int i = 0; !stop.load(); ++i) {
                const bool stream = (i + t) % 2 == 0;
                const HttpResult result = post_json(port_, "/v1/chat/completions", chat("demo", stream));
                const bool ok = stream ? stream_finished(result) : result.status == 200 && result.complete;
                if (!ok) ++failed;
                ++sent;
            }
        });
    }
    for (int reload = 1; reload <= 10; ++reload) {
        std::this_thread::sleep_for(150ms);
        write_config(config_text(reload % 2 == 1 ? kDemo + kFresh : kDemo));
        ::kill(pid_, SIGHUP);
        EXPECT_TRUE(metric_is(fmt::format("infergate_config_reload_total{{result=\"success\"}} {}", reload)))
            << output();
    }
    std::this_thread::sleep_for(150ms);
    stop = true;
    for (auto& client : clients) client.join();
    EXPECT_GT(sent.load(), 100);
    EXPECT_EQ(failed.load(), 0) << "of " << sent.load() << " requests";
    EXPECT_TRUE(metric_is("infergate_config_generation 11"));
}

// A backend whose definition did not change keeps its pool: requests after the reload reuse
// the connection made before it.
TEST_F(ReloadDrainTest, WarmUpstreamConnectionsOfAnUnchangedBackendSurviveAReload) {
    workers_ = 1;  // one pool to look at
    start(kDemo);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 200u);
    const std::size_t connections = mock_->connections_accepted();
    ASSERT_EQ(connections, 1u);

    write_config(config_text(kDemo + kFresh));
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat(i % 2 == 0 ? "demo" : "fresh")).status, 200u);
    }
    EXPECT_EQ(mock_->connections_accepted(), connections);
}

// The pool kept over a reload works with the new snapshot's backend: its settings apply
// (pool settings are not part of a pool's identity).
TEST_F(ReloadDrainTest, AKeptPoolTakesTheReloadedBackendsSettings) {
    workers_ = 1;
    backend_settings_ = ", pool: { max_connections: 1, acquire_timeout: 10s }";
    start(kDemo);
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 200u);
    backend_settings_ = ", pool: { max_connections: 2, acquire_timeout: 10s }";
    write_config(config_text(kDemo));
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    // The first stream takes the warm connection; the second may now dial a second one
    // instead of waiting for the first to end.
    auto first = slow_stream("demo");
    auto second = slow_stream("demo");
    EXPECT_EQ(mock_->connections_accepted(), 2u);
    EXPECT_EQ(mock_->open_connections(), 2u);
    EXPECT_TRUE(stream_finished(first.get()));
    EXPECT_TRUE(stream_finished(second.get()));
}

TEST_F(ReloadDrainTest, QuotaCountersOfAnUnchangedKeySurviveAReload) {
    const std::string key = auth::generate_key("app");
    const std::string auth =
        fmt::format("auth:\n  keys:\n    - {{ id: app, sha256: \"{}\", limits: {{ requests_per_day: 3 }} }}\n",
                    auth::to_hex(auth::sha256_of(key)));
    const Headers bearer{{"authorization", "Bearer " + key}};
    start(kDemo + auth);
    for (int i = 0; i < 2; ++i) ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("demo"), bearer).status, 200u);

    write_config(config_text(kDemo + kFresh + auth));
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("fresh"), bearer).status, 200u);
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("demo"), bearer).status, 429u);
}

// logrotate's way: move the file away, then signal; new lines go to a new file at the path.
TEST_F(ReloadDrainTest, AReloadReopensTheAccessLog) {
    const std::filesystem::path log = dir_ / "access.log";
    const std::string rest = fmt::format("log: {{ level: info, access_log: {{ path: \"{}\" }} }}\n", log.string());
    write_config(config_text(kDemo, "", rest));
    launch(config_path());
    auto lines_in = [](const std::filesystem::path& file) {
        const std::string text = std::filesystem::exists(file) ? read_text(file) : "";
        return std::count(text.begin(), text.end(), '\n');
    };
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 200u);
    ASSERT_TRUE(eventually([&] { return lines_in(log) == 1; })) << read_text(log);

    std::filesystem::rename(log, dir_ / "access.log.1");
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 200u);
    ASSERT_TRUE(eventually([&] { return lines_in(log) == 1; })) << output();
    EXPECT_NE(read_text(log).find("/v1/chat/completions"), std::string::npos);
    EXPECT_EQ(lines_in(dir_ / "access.log.1"), 1);
}

TEST_F(ReloadDrainTest, AnAccessLogThatCannotBeOpenedRefusesTheReload) {
    start(kDemo);
    const std::string rest = fmt::format("log: {{ level: info, access_log: {{ path: \"{}\" }} }}\n",
                                         (dir_ / "no-such-dir" / "access.log").string());
    write_config(config_text(kDemo + kFresh, "", rest));
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"failure\"} 1")) << output();
    EXPECT_NE(output().find("log.access_log.path: cannot open access log"), std::string::npos) << output();
    EXPECT_TRUE(metric_is("infergate_config_generation 1"));
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("fresh")).status, 404u);
}

TEST_F(ReloadDrainTest, AReloadAppliesTheLogLevel) {
    start(kDemo);
    write_config(config_text(kDemo, "", "log: { level: warn }\n"));
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    write_config(config_text(kDemo));
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 2")) << output();
    // At warn, the first reload's own info line was not written; back at info, the second's was.
    EXPECT_TRUE(eventually([&] { return output().find("is now generation 3") != std::string::npos; })) << output();
    EXPECT_EQ(output().find("is now generation 2"), std::string::npos) << output();
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
