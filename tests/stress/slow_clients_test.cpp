// Slow and flooding clients against the real gateway binary, with the real tools (catalogue
// S7-S10 in the reliability guide): slowhttptest for slowloris, slow body and slow read,
// h2load --h1 for floods. Small deadlines (2 s) and a small connection limit (32, reserve 4,
// two workers) keep each case near 10 s. During each attack a probe asks /healthz and
// /metrics every 200 ms on fresh connections; after it the gateway's open descriptors and
// RSS must come back to what they were before, and its metrics must count what happened.
//
// The tools come from Debian (bash tools/deps.sh --test); a missing tool fails the test.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace infergate::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::size_t kConnectionLimit = 32;
constexpr std::size_t kFdSlack = 2;  // a probe or scrape connection may still be closing
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kRssSlackKib = 384 * 1024;  // ASan keeps up to 256 MiB freed in quarantine
#else
constexpr std::size_t kRssSlackKib = 32 * 1024;
#endif

std::string without_colours(const std::string& text) {
    static const std::regex escape("\x1b\\[[0-9;]*[A-Za-z]");
    return std::regex_replace(text, escape, "");
}

bool answered_200(std::uint16_t port, const std::string& target) {
    try {
        const std::string reply = raw_exchange(
            port, "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3s);
        return reply.rfind("HTTP/1.1 200", 0) == 0;
    } catch (const std::exception&) {
        return false;  // connect refused or reset
    }
}

// Asks /healthz and /metrics in turn every 200 ms, and samples the gateway's descriptors and
// RSS, until stopped.
class Probe {
public:
    Probe(std::uint16_t port, pid_t gateway) : thread_([this, port, gateway] { run(port, gateway); }) {}
    ~Probe() { stop(); }

    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    int answered = 0, failed = 0;  // read after stop()
    std::string failures;
    std::atomic<std::size_t> peak_fds{0}, peak_rss_kib{0};

private:
    void run(std::uint16_t port, pid_t gateway) {
        for (int i = 0; !stop_; ++i) {
            const std::string target = i % 2 == 0 ? "/healthz" : "/metrics";
            if (answered_200(port, target)) {
                ++answered;
            } else {
                ++failed;
                failures += fmt::format("{} failed at probe {}; ", target, i);
            }
            peak_fds = std::max(peak_fds.load(), open_fds(gateway));
            peak_rss_kib = std::max(peak_rss_kib.load(), rss_kib(gateway));
            std::this_thread::sleep_for(200ms);
        }
    }
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

class SlowClientsTest : public ::testing::Test {
protected:
    void TearDown() override {
        if (gateway_ > 0) {
            kill(gateway_, SIGTERM);
            EXPECT_TRUE(wait_for_exit(gateway_, 10s).has_value()) << "the gateway did not stop on SIGTERM";
        }
        if (!dir_.empty()) {
            std::error_code ignored;
            fs::remove_all(dir_, ignored);
        }
    }

    // Finds the attacking tool (into tool_), starts the mock upstream and the gateway binary,
    // warms it up, and records the baseline.
    void start(const std::string& tool, const std::string& package,
               std::size_t max_connections = kConnectionLimit) {
        // A missing tool fails: CI installs them, a silent skip would hide that.
        tool_ = find_program(tool);
        ASSERT_FALSE(tool_.empty()) << tool << " is not installed: apt-get install " << package
                                    << " (bash tools/deps.sh --test installs it)";
        dir_ = fs::temp_directory_path() / fmt::format("infergate-stress-{}", std::random_device{}());
        fs::create_directories(dir_);
        mock_ = std::make_unique<llm_mock::MockServer>(llm_mock::Options{});
        mock_->start();
        std::ofstream(dir_ / "gateway.yaml") << fmt::format(R"(server:
  listen: "127.0.0.1:0"
  workers: 2
  header_timeout: 2s
  body_timeout: 2s
  idle_timeout: 2s
  write_timeout: 2s
  max_connections: {}
  reserved_connections: 4
log:
  level: info
  access_log: {{ format: json, path: "{}" }}
backends:
  mock:
    url: "http://127.0.0.1:{}"
    pool: {{ idle_timeout: 1s }}
models:
  demo:
    targets: [ {{ backend: mock }} ]
)",
                                                            max_connections, (dir_ / "access.log").string(),
                                                            mock_->port());
        std::ofstream(dir_ / "chat.json") << R"({"model":"demo","messages":[{"role":"user","content":"hi"}]})";
        gateway_ = spawn({INFERGATE_BINARY, "--config", (dir_ / "gateway.yaml").string()},
                         dir_ / "gateway.out", dir_);
        port_ = listening_port(dir_ / "gateway.out");
        ASSERT_NE(port_, 0) << read_text(dir_ / "gateway.out");

        // Warm up every path the attacks take, then let the upstream pool go idle and close.
        ASSERT_EQ(get(port_, "/healthz").status, 200);
        ASSERT_EQ(get(port_, "/metrics").status, 200);
        ASSERT_EQ(post_json(port_, "/v1/chat/completions", read_text(dir_ / "chat.json")).status, 200);
        ASSERT_TRUE(eventually([&] { return mock_->open_connections() == 0; }, 5s));
        std::this_thread::sleep_for(200ms);
        baseline_fds_ = open_fds(gateway_);
        baseline_rss_kib_ = rss_kib(gateway_);
    }

    // Runs a tool (its full path) for at most `limit`; returns its output, colours removed.
    std::string run_tool(std::vector<std::string> args, std::chrono::seconds limit = 40s) {
        args.insert(args.begin(), tool_);
        const pid_t pid = spawn(args, tool_output(), dir_);
        const std::optional<int> code = wait_for_exit(pid, limit);
        const std::string text = without_colours(read_text(tool_output()));
        EXPECT_TRUE(code.has_value()) << tool_ << " still ran after " << limit.count() << " s:\n" << text;
        return text;
    }
    fs::path tool_output() const { return dir_ / "tool.out"; }

    std::string url(const std::string& target) const {
        return fmt::format("http://127.0.0.1:{}{}", port_, target);
    }

    double metric(const std::string& series) {
        const std::string text = get(port_, "/metrics").body;
        const std::size_t at = text.find("\n" + series + " ");
        if (at == std::string::npos) return -1;
        return std::stod(text.substr(at + series.size() + 2));
    }

    // Invariants after every attack: the gateway is alive and answers, every client
    // connection it held is closed, its memory is back near where it started.
    void expect_recovered(const Probe& probe) {
        ASSERT_TRUE(running(gateway_)) << read_text(dir_ / "gateway.out");
        EXPECT_GT(probe.answered, 0);
        EXPECT_EQ(probe.failed, 0) << probe.failures;
        std::size_t fds = 0;
        EXPECT_TRUE(eventually([&] {
            fds = open_fds(gateway_);
            return fds <= baseline_fds_ + kFdSlack;
        }, 15s)) << fds << " descriptors open, " << baseline_fds_ << " before";
        // Only the scrape that asks (the one before may still be closing).
        EXPECT_TRUE(eventually([&] { return metric("infergate_connections_open") == 1; }, 5s));
        const std::size_t rss = rss_kib(gateway_);
        EXPECT_LE(rss, baseline_rss_kib_ + kRssSlackKib) << "RSS " << rss << " KiB, " << baseline_rss_kib_
                                                         << " KiB before";
        std::printf("[ measured ] descriptors %zu -> peak %zu -> %zu; RSS %zu KiB -> peak %zu KiB -> %zu KiB\n",
                    baseline_fds_, probe.peak_fds.load(), fds, baseline_rss_kib_, probe.peak_rss_kib.load(), rss);
    }

    // The slow connections of an attack were all closed by the gateway: at the deadline
    // (counted under `reason`) or to make room for new ones.
    void expect_all_closed(const std::string& reason, int connections) {
        const double timeouts = metric(R"(infergate_client_errors_total{reason=")" + reason + "\"}");
        const double evicted = metric("infergate_connections_evicted_total");
        EXPECT_GT(timeouts, 0);
        EXPECT_GE(timeouts + evicted, connections);
    }

    std::string tool_;  // the full path of the tool that attacks
    fs::path dir_;
    std::unique_ptr<llm_mock::MockServer> mock_;
    pid_t gateway_ = -1;
    std::uint16_t port_ = 0;
    std::size_t baseline_fds_ = 0, baseline_rss_kib_ = 0;
};

// S7: slowloris with more connections than the limit. Each slow connection is closed at the
// header deadline (408), or earlier to make room for a new one; the probe keeps answering.
TEST_F(SlowClientsTest, SlowlorisIsCutAtTheHeaderDeadline) {
    ASSERT_NO_FATAL_FAILURE(start("slowhttptest", "slowhttptest"));
    constexpr int kConnections = 120;
    Probe probe(port_, gateway_);
    const std::string out = run_tool( {"-H", "-c", std::to_string(kConnections), "-i", "1",
                                                    "-r", "60", "-l", "20", "-p", "3", "-u", url("/healthz")});
    probe.stop();
    // Every connection was closed by the gateway before the tool's own 20 s were up.
    EXPECT_NE(out.find("No open connections left"), std::string::npos) << out;
    EXPECT_NE(out.find("service available:   YES"), std::string::npos) << out;
    EXPECT_EQ(out.find("service available:   NO"), std::string::npos) << out;
    expect_all_closed("header_timeout", kConnections);
    EXPECT_GT(metric("infergate_connections_evicted_total"), 0);  // more than the limit came
    expect_recovered(probe);
}

// S8: slow body (R-U-Dead-Yet). Cut at the body deadline; no worker is held up meanwhile.
TEST_F(SlowClientsTest, SlowBodyIsCutAtTheBodyDeadline) {
    ASSERT_NO_FATAL_FAILURE(start("slowhttptest", "slowhttptest"));
    constexpr int kConnections = 60;
    Probe probe(port_, gateway_);
    const std::string out =
        run_tool( {"-B", "-c", std::to_string(kConnections), "-i", "1", "-r", "60", "-s", "8192",
                                "-l", "20", "-p", "3", "-u", url("/v1/chat/completions")});
    probe.stop();
    EXPECT_NE(out.find("No open connections left"), std::string::npos) << out;
    EXPECT_EQ(out.find("service available:   NO"), std::string::npos) << out;
    expect_all_closed("body_timeout", kConnections);
    EXPECT_EQ(mock_->connections_accepted(), 1u);  // the warm-up: no slow body reached the upstream
    expect_recovered(probe);
}

// S9: slow read. Ten pipelined /metrics per connection, read a byte every 2 s through a tiny
// window: each write has write_timeout (2 s), then the connection is dropped. The tool itself
// never notices (it still has bytes to read), so the gateway must have let go of every
// connection while the tool still holds its end.
TEST_F(SlowClientsTest, SlowReaderIsDroppedAfterTheWriteTimeout) {
    ASSERT_NO_FATAL_FAILURE(start("slowhttptest", "slowhttptest"));
    // 12: below one worker's share of the limit (16) even if every connection lands on the same
    // worker, so none is evicted or served from the reserve (one response, then closed).
    constexpr int kConnections = 12;
    Probe probe(port_, gateway_);
    const pid_t pid =
        spawn({tool_, "-X", "-c", std::to_string(kConnections), "-r", "24", "-w", "1", "-y", "2", "-n", "2",
               "-z", "1", "-k", "10", "-l", "20", "-p", "3", "-u", url("/metrics")},
              tool_output(), dir_);
    std::size_t fds = 0;
    EXPECT_TRUE(eventually([&] { return probe.peak_fds >= baseline_fds_ + kConnections; }, 5s))
        << "the slow readers never connected";
    EXPECT_TRUE(eventually([&] {
        fds = open_fds(pid);  // the tool's sockets are still open...
        return open_fds(gateway_) <= baseline_fds_ + kFdSlack;  // ...the gateway's are not
    }, 8s)) << open_fds(gateway_) << " descriptors open in the gateway, " << baseline_fds_ << " before";
    EXPECT_GE(fds, std::size_t{kConnections});
    EXPECT_TRUE(running(pid));
    probe.stop();
    // The descriptor check allows a straggler: wait for every connection's timeout.
    EXPECT_TRUE(eventually(
        [&] { return metric(R"(infergate_client_errors_total{reason="write_timeout"})") >= kConnections; }, 5s));
    kill(pid, SIGINT);  // it would go on until its -l 20 s
    EXPECT_TRUE(wait_for_exit(pid, 10s).has_value());
    const std::string out = without_colours(read_text(tool_output()));
    EXPECT_EQ(out.find("service available:   NO"), std::string::npos) << out;
    expect_recovered(probe);
}

struct H2loadCounts {
    long total = -1, succeeded = -1, failed = -1;
};

H2loadCounts h2load_counts(const std::string& out) {
    static const std::regex line(R"(requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed)");
    std::smatch match;
    H2loadCounts counts;
    if (std::regex_search(out, match, line)) {
        counts = {std::stol(match[1]), std::stol(match[2]), std::stol(match[3])};
    }
    return counts;
}

// S10: 200 keep-alive connections against a limit of 32. The excess takes the places of
// connections between two requests (which h2load does not reopen), so many requests fail,
// each cleanly (a closed connection, never a wrong answer); the probe still gets through.
TEST_F(SlowClientsTest, FloodOverTheConnectionLimitFailsCleanly) {
    ASSERT_NO_FATAL_FAILURE(start("h2load", "nghttp2-client"));
    Probe probe(port_, gateway_);
    const std::string out = run_tool( {"--h1", "-n", "20000", "-c", "200", "-t", "1", url("/healthz")});
    probe.stop();
    const H2loadCounts counts = h2load_counts(out);
    EXPECT_EQ(counts.total, 20000) << out;
    EXPECT_EQ(counts.succeeded + counts.failed, counts.total) << out;
    EXPECT_GT(counts.succeeded, 0) << out;
    EXPECT_NE(out.find(fmt::format("status codes: {} 2xx, 0 3xx, 0 4xx, 0 5xx", counts.succeeded)),
              std::string::npos) << out;
    EXPECT_GT(metric("infergate_connections_evicted_total"), 0);
    expect_recovered(probe);
}

// A flood within the limit, through the upstream: every request succeeds, and afterwards the
// client and upstream connections are all closed again.
TEST_F(SlowClientsTest, FloodThroughTheUpstreamWithinTheLimitSucceeds) {
    ASSERT_NO_FATAL_FAILURE(start("h2load", "nghttp2-client", /*max_connections=*/512));
    Probe probe(port_, gateway_);
    const std::string out =
        run_tool( {"--h1", "-n", "10000", "-c", "200", "-t", "1", "-d", (dir_ / "chat.json").string(),
                          "-H", "content-type: application/json", url("/v1/chat/completions")});
    probe.stop();
    const H2loadCounts counts = h2load_counts(out);
    EXPECT_EQ(counts.total, 10000) << out;
    EXPECT_EQ(counts.succeeded, counts.total) << out;
    EXPECT_NE(out.find("status codes: 10000 2xx"), std::string::npos) << out;
    EXPECT_EQ(metric("infergate_connections_evicted_total"), 0);
    expect_recovered(probe);
}

}  // namespace
}  // namespace infergate::testing
