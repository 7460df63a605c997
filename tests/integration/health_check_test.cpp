// Active health checks against real mocks: a backend whose health endpoint fails is ejected
// after unhealthy_threshold checks (traffic moves to the other target, /admin/targets and the
// gauges show it, /readyz fails for a model left with nothing) and comes back after
// healthy_threshold passes; what a check sends; checks over verified TLS; timeouts, refused
// connections, untrusted certificates and non-2xx answers fail; reloads start and end checks;
// stopping is prompt; /admin/targets needs the admin key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "infergate/config/loader.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/stages/auth/api_key.hpp"
#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/test_gateway.hpp"
#include "tls_cert.hpp"

namespace infergate::testing {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kAdmin = "sk-ig-admin-" + std::string(kClientCanary);
const std::string kFastChecks =
    "    health_check: { interval: 100ms, timeout: 500ms, unhealthy_threshold: 2, healthy_threshold: 2 }\n";
const char* kPair = R"({"model":"pair","messages":[{"role":"user","content":"hi"}]})";

std::string admin_yaml() {
    return "admin: { key_sha256: \"" + auth::to_hex(auth::sha256_of(kAdmin)) + "\" }\n";
}

// Backends a (with `a_extra`, e.g. a health_check) and b; "pair" spreads over both, "solo"
// has only a, "spare" only b.
std::string two_backends(const std::string& a_url, const std::string& b_url, const std::string& a_extra,
                         const std::string& b_extra = "", const std::string& admin = admin_yaml()) {
    return "server:\n  listen: \"127.0.0.1:0\"\n  workers: 2\n"
           "log:\n  level: warn\n  access_log: { format: json }\n" +
           admin +
           "backends:\n"
           "  a:\n    url: \"" + a_url + "\"\n    api_key: \"${TEST_BACKEND_KEY}\"\n" + a_extra +
           "  b:\n    url: \"" + b_url + "\"\n" + b_extra +
           "models:\n"
           "  pair:\n"
           "    strategy: weighted\n"
           "    targets: [ { backend: a, model: mock-model }, { backend: b, model: mock-model } ]\n"
           "  solo: { targets: [ { backend: a, model: mock-model } ] }\n"
           "  spare: { targets: [ { backend: b, model: mock-model } ] }\n";
}

std::string url_of(const llm_mock::MockServer& mock) { return "http://127.0.0.1:" + std::to_string(mock.port()); }

std::size_t requests_to(const llm_mock::MockServer& mock, const std::string& target) {
    std::size_t count = 0;
    for (const auto& request : mock.requests()) count += request.target == target ? 1 : 0;
    return count;
}

Headers admin_key() { return {{"Authorization", "Bearer " + kAdmin}}; }

// The value of one series in a /metrics text; -1 when absent.
double metric(std::uint16_t port, const std::string& series) {
    const std::string text = get(port, "/metrics").body;
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

class HealthCheckTest : public ::testing::Test {
protected:
    void SetUp() override {
        llm_mock::Options options;
        options.record = true;
        a_ = std::make_unique<llm_mock::MockServer>(options);
        b_ = std::make_unique<llm_mock::MockServer>(options);
        a_->start();
        b_->start();
    }
    void start(const std::string& a_extra = kFastChecks, const std::string& b_extra = "") {
        gateway_ = std::make_unique<TestGateway>(two_backends(url_of(*a_), url_of(*b_), a_extra, b_extra));
    }
    std::uint16_t port() const { return gateway_->port(); }

    Json targets() {
        const HttpResult answer = request(port(), http::verb::get, "/admin/targets", "", admin_key());
        EXPECT_EQ(answer.status, 200) << answer.body;
        return Json::parse(answer.body);
    }
    // The state of model `model`'s target on `backend`, per /admin/targets.
    std::string state_of(const std::string& model, const std::string& backend) {
        const Json report = targets();  // named: a temporary's member would dangle in the loop
        for (const Json& route : report["models"]) {
            if (route["model"] != model) continue;
            for (const Json& target : route["targets"]) {
                if (target["backend"] == backend) return target["state"];
            }
        }
        return "absent";
    }
    bool eventually_state(const std::string& model, const std::string& backend, const std::string& state) {
        std::string last;
        const bool reached = eventually([&] { return (last = state_of(model, backend)) == state; });
        EXPECT_TRUE(reached) << model << "/" << backend << " stayed " << last << ", never " << state;
        return reached;
    }

    std::unique_ptr<llm_mock::MockServer> a_, b_;
    std::unique_ptr<TestGateway> gateway_;
};

TEST_F(HealthCheckTest, AFailingBackendIsEjectedAndComesBackAfterHealthyThresholdPasses) {
    start();
    const std::string passes = R"(infergate_health_checks_total{backend="a",result="pass"})";
    ASSERT_TRUE(eventually([&] { return metric(port(), passes) >= 1; }));
    EXPECT_EQ(state_of("solo", "a"), "healthy");
    EXPECT_EQ(get(port(), "/readyz").status, 200);
    EXPECT_EQ(requests_to(*b_, "/health"), 0u);  // b has no health_check

    a_->set_health_status(503);
    ASSERT_TRUE(eventually_state("pair", "a", "failing_health_checks"));
    EXPECT_EQ(state_of("solo", "a"), "failing_health_checks");
    EXPECT_EQ(state_of("pair", "b"), "healthy");
    EXPECT_GE(metric(port(), R"(infergate_health_checks_total{backend="a",result="fail"})"), 2);
    EXPECT_EQ(metric(port(), R"(infergate_target_healthy{backend="a",model="pair"})"), 0);
    EXPECT_EQ(metric(port(), R"(infergate_target_healthy{backend="b",model="pair"})"), 1);
    EXPECT_EQ(metric(port(), R"(infergate_target_ejections_total{backend="a",model="solo"})"), 1);

    // "solo" has nothing left to serve it: not ready, and the answer says which model.
    const HttpResult ready = get(port(), "/readyz");
    EXPECT_EQ(ready.status, 503);
    const Json why = Json::parse(ready.body);
    EXPECT_EQ(why["status"], "not_ready");
    EXPECT_EQ(why["reason"], "models_unavailable");
    EXPECT_EQ(why["models"], Json::array({"solo"}));

    // "pair" goes to b only while a fails its checks.
    const std::size_t a_before = requests_to(*a_, "/v1/chat/completions");
    const std::size_t b_before = requests_to(*b_, "/v1/chat/completions");
    for (int i = 0; i < 6; ++i) EXPECT_EQ(post_json(port(), "/v1/chat/completions", kPair).status, 200);
    EXPECT_EQ(requests_to(*a_, "/v1/chat/completions"), a_before);
    EXPECT_EQ(requests_to(*b_, "/v1/chat/completions"), b_before + 6);

    a_->set_health_status(200);
    ASSERT_TRUE(eventually_state("solo", "a", "healthy"));
    EXPECT_EQ(state_of("pair", "a"), "healthy");
    EXPECT_EQ(get(port(), "/readyz").status, 200);
    EXPECT_EQ(metric(port(), R"(infergate_target_healthy{backend="a",model="solo"})"), 1);
    bool a_served = false;
    for (int i = 0; i < 20 && !a_served; ++i) {
        EXPECT_EQ(post_json(port(), "/v1/chat/completions", kPair).status, 200);
        a_served = requests_to(*a_, "/v1/chat/completions") > a_before;
    }
    EXPECT_TRUE(a_served) << "a never took traffic again";
}

TEST_F(HealthCheckTest, ChecksSendTheBackendsHostAndCredential) {
    start();
    ASSERT_TRUE(eventually([&] { return requests_to(*a_, "/health") >= 1; }));
    const auto requests = a_->requests();
    const auto check =
        std::find_if(requests.begin(), requests.end(), [](const auto& r) { return r.target == "/health"; });
    ASSERT_NE(check, requests.end());
    EXPECT_EQ(check->method, "GET");
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : check->headers) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        headers[lower] = value;
    }
    EXPECT_EQ(headers["host"], "127.0.0.1:" + std::to_string(a_->port()));
    EXPECT_EQ(headers["authorization"], std::string("Bearer ") + kBackendCanary);
    EXPECT_EQ(headers["user-agent"], "infergate-health-check");
}

TEST_F(HealthCheckTest, AnHttpsBackendIsCheckedOverVerifiedTls) {
    const auto pair = llm_mock::generate_self_signed("localhost");
    llm_mock::Options options;
    options.record = true;
    options.tls_cert_pem = pair.cert_pem;
    options.tls_key_pem = pair.key_pem;
    llm_mock::MockServer tls_mock(options);
    tls_mock.start();
    const auto ca_file =
        std::filesystem::temp_directory_path() / ("infergate-health-ca-" + std::to_string(tls_mock.port()) + ".pem");
    std::ofstream(ca_file) << pair.cert_pem;
    const std::string url = "https://localhost:" + std::to_string(tls_mock.port());
    {
        gateway_ = std::make_unique<TestGateway>(
            two_backends(url, url_of(*b_), "    tls: { ca_file: \"" + ca_file.string() + "\" }\n" + kFastChecks));
        EXPECT_TRUE(eventually([&] { return requests_to(tls_mock, "/health") >= 2; }));
        EXPECT_EQ(state_of("solo", "a"), "healthy");
    }
    // The system CA store does not know the test CA: the handshake fails, and so does the check.
    gateway_ = std::make_unique<TestGateway>(two_backends(url, url_of(*b_), kFastChecks));
    EXPECT_TRUE(eventually_state("solo", "a", "failing_health_checks"));
    std::filesystem::remove(ca_file);
}

TEST_F(HealthCheckTest, ANonSuccessAnswerFailsTheCheckAndTheBasePathIsKept) {
    // The mock answers /health only at its root: /prefix/health is a 404.
    gateway_ = std::make_unique<TestGateway>(two_backends(url_of(*a_) + "/prefix", url_of(*b_), kFastChecks));
    ASSERT_TRUE(eventually_state("solo", "a", "failing_health_checks"));
    EXPECT_GE(requests_to(*a_, "/prefix/health"), 2u);
    EXPECT_EQ(requests_to(*a_, "/health"), 0u);
}

TEST_F(HealthCheckTest, ABackendThatNeverAnswersFailsByTimeout) {
    // Listening but never accepting: connects succeed (the kernel's backlog), answers never come.
    net::io_context io;
    tcp::acceptor silent(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    gateway_ = std::make_unique<TestGateway>(two_backends(
        url, url_of(*b_),
        "    health_check: { interval: 100ms, timeout: 200ms, unhealthy_threshold: 2, healthy_threshold: 1 }\n"));
    ASSERT_TRUE(eventually_state("solo", "a", "failing_health_checks"));
    EXPECT_EQ(get(port(), "/readyz").status, 503);
}

TEST_F(HealthCheckTest, AStoppedBackendFailsItsChecksAndARestartedOnePasses) {
    start();
    ASSERT_TRUE(eventually([&] { return requests_to(*a_, "/health") >= 1; }));
    const std::uint16_t a_port = a_->port();
    a_->stop();
    ASSERT_TRUE(eventually_state("solo", "a", "failing_health_checks"));
    llm_mock::Options options;
    options.port = a_port;
    a_ = std::make_unique<llm_mock::MockServer>(options);
    a_->start();
    EXPECT_TRUE(eventually_state("solo", "a", "healthy"));
}

TEST_F(HealthCheckTest, ReloadsStartAndEndChecks) {
    start();
    auto& gateway = gateway_->gateway();
    ASSERT_TRUE(eventually([&] { return requests_to(*a_, "/health") >= 1; }));
    EXPECT_EQ(gateway.health_checker().checked_backends(), std::vector<std::string>{"a"});
    auto publish = [&](const std::string& a_extra, const std::string& b_extra) {
        auto env = [](std::string_view name) -> std::optional<std::string> {
            if (name == "TEST_BACKEND_KEY") return std::string(kBackendCanary);
            return std::nullopt;
        };
        config::LoadResult loaded =
            config::load_from_string(two_backends(url_of(*a_), url_of(*b_), a_extra, b_extra), "reload.yaml", env);
        ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
        const SnapshotPtr previous = gateway.current();
        SnapshotBuild built =
            build_snapshot(std::move(*loaded.config), previous->generation + 1, gateway.metrics(), previous.get());
        ASSERT_TRUE(built.snapshot);
        gateway.publish(built.snapshot);
    };

    // Checks move from a to b: a's check ends (nothing of it left), b's starts.
    publish("", kFastChecks);
    EXPECT_TRUE(eventually([&] { return requests_to(*b_, "/health") >= 1; }));
    EXPECT_EQ(gateway.health_checker().checked_backends(), std::vector<std::string>{"b"});
    EXPECT_TRUE(eventually([&] { return gateway.health_checker().live_checks() == 1; }));
    const std::size_t a_checks = requests_to(*a_, "/health");
    std::this_thread::sleep_for(400ms);
    EXPECT_EQ(requests_to(*a_, "/health"), a_checks);

    // An unchanged check goes on across a reload and feeds the new snapshot's targets.
    publish("", kFastChecks);
    EXPECT_EQ(gateway.health_checker().live_checks(), 1u);
    b_->set_health_status(500);
    EXPECT_TRUE(eventually_state("spare", "b", "failing_health_checks"));
    EXPECT_EQ(get(port(), "/readyz").status, 503);

    // No checks at all: b's targets start afresh instead of staying held by checks that no
    // longer run.
    publish("", "");
    EXPECT_TRUE(eventually([&] { return gateway.health_checker().live_checks() == 0; }));
    EXPECT_TRUE(gateway.health_checker().checked_backends().empty());
    EXPECT_EQ(state_of("spare", "b"), "healthy");
    EXPECT_EQ(get(port(), "/readyz").status, 200);
}

TEST_F(HealthCheckTest, StoppingTheGatewayEndsChecksInProgressPromptly) {
    net::io_context io;
    tcp::acceptor silent(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    gateway_ = std::make_unique<TestGateway>(
        two_backends(url, url_of(*b_), "    health_check: { interval: 100ms, timeout: 1m }\n"));
    std::this_thread::sleep_for(200ms);  // a check is waiting for its answer now
    const auto before = std::chrono::steady_clock::now();
    gateway_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
}

TEST_F(HealthCheckTest, AdminTargetsNeedsTheAdminKey) {
    start();
    EXPECT_EQ(get(port(), "/admin/targets").status, 401);
    const HttpResult wrong =
        request(port(), http::verb::get, "/admin/targets", "", {{"Authorization", "Bearer sk-not-the-admin-key"}});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(request(port(), http::verb::post, "/admin/targets", "{}", admin_key()).status, 405);

    const HttpResult answer = request(port(), http::verb::get, "/admin/targets", "", admin_key());
    ASSERT_EQ(answer.status, 200);
    EXPECT_EQ(answer.header("content-type"), "application/json");
    EXPECT_EQ(answer.body.find(kBackendCanary), std::string::npos);
    EXPECT_EQ(answer.body.find(kAdmin), std::string::npos);
    const Json report = Json::parse(answer.body);
    EXPECT_EQ(report["object"], "targets");
    ASSERT_EQ(report["models"].size(), 3u);
    const Json& pair = report["models"][0];
    EXPECT_EQ(pair["model"], "pair");
    EXPECT_EQ(pair["strategy"], "weighted");
    EXPECT_EQ(pair["passthrough"], false);
    EXPECT_DOUBLE_EQ(pair["retry_budget"]["ratio"].get<double>(), 0.2);
    EXPECT_EQ(pair["retry_budget"]["min_per_second"], 10);
    EXPECT_EQ(pair["fallbacks"], Json::array());
    ASSERT_EQ(pair["targets"].size(), 2u);
    for (const Json& target : pair["targets"]) {
        for (const char* field : {"backend", "upstream_model", "weight", "state", "ejected_until", "ejections",
                                  "in_flight", "ewma_latency_ms"}) {
            EXPECT_TRUE(target.contains(field)) << field << " missing in " << target.dump();
        }
        EXPECT_EQ(target["upstream_model"], "mock-model");
        EXPECT_EQ(target["weight"], 1);
        EXPECT_TRUE(target["ejected_until"].is_null());
        EXPECT_EQ(target["in_flight"], 0);
    }
    EXPECT_EQ(pair["targets"][0]["backend"], "a");
    EXPECT_EQ(pair["targets"][1]["backend"], "b");

    // A served request leaves a latency behind.
    ASSERT_EQ(post_json(port(), "/v1/chat/completions",
                        R"({"model":"spare","messages":[{"role":"user","content":"hi"}]})").status, 200);
    EXPECT_TRUE(eventually([&] { return targets()["models"][2]["targets"][0]["ewma_latency_ms"].is_number(); }));
}

TEST_F(HealthCheckTest, AdminTargetsDoesNotExistWithoutAnAdminKey) {
    gateway_ = std::make_unique<TestGateway>(two_backends(url_of(*a_), url_of(*b_), kFastChecks, "", ""));
    for (const Headers& headers : {Headers{}, admin_key()}) {
        const HttpResult answer = request(port(), http::verb::get, "/admin/targets", "", headers);
        EXPECT_EQ(answer.status, 404);
        EXPECT_EQ(Json::parse(answer.body)["error"]["code"], "unknown_url");
    }
}

}  // namespace
}  // namespace infergate::testing
