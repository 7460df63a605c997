// Runtime keys and drains across reloads and restarts, on the real binary as a child process:
// a key created with the admin API still works after SIGHUP and after a restart (the keys
// file is read back), a leftover temporary file from a crashed write is ignored at start, a
// drain survives a reload, and a revoked key is refused at once.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/process.hpp"

namespace infergate::testing {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kAdmin = "sk-ig-admin-process-test-key";

Headers bearer(const std::string& key) { return {{"authorization", "Bearer " + key}}; }

class AdminKeysProcessTest : public ::testing::Test {
protected:
    void SetUp() override {
        mock_ = recording_mock();
        dir_ = std::filesystem::temp_directory_path() / fmt::format("infergate-admin-proc-{}", std::random_device{}());
        std::filesystem::create_directories(dir_);
        const std::string config = fmt::format(
            "server:\n  listen: \"127.0.0.1:0\"\n  workers: 2\n"
            "backends:\n  a: {{ url: \"http://127.0.0.1:{0}\" }}\n  b: {{ url: \"http://127.0.0.1:{0}\" }}\n"
            "models:\n  demo: {{ targets: [ {{ backend: a }}, {{ backend: b }} ] }}\n"
            "auth:\n  keys: [ {{ id: app1, sha256: \"{1}\" }} ]\n"
            "admin:\n  key_sha256: \"{2}\"\n  keys_file: \"{3}\"\n",
            mock_->port(), auth::to_hex(auth::sha256_of("sk-ig-app1-unused")), auth::to_hex(auth::sha256_of(kAdmin)),
            (dir_ / "keys.json").string());
        std::ofstream(dir_ / "gateway.yaml") << config;
    }
    void TearDown() override {
        stop();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    void start() {
        std::filesystem::remove(dir_ / "gateway.out");
        pid_ = spawn({INFERGATE_BINARY, "--config", (dir_ / "gateway.yaml").string()}, dir_ / "gateway.out", dir_);
        port_ = listening_port(dir_ / "gateway.out");
        ASSERT_NE(port_, 0) << read_text(dir_ / "gateway.out");
    }
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        EXPECT_EQ(wait_for_exit(pid_, 10s), 0);
        pid_ = -1;
    }
    HttpResult admin(http::verb method, const std::string& target, const std::string& body = "") const {
        Headers headers = bearer(kAdmin);
        headers.emplace_back("content-type", "application/json");
        return request(port_, method, target, body, headers);
    }
    unsigned chat(const std::string& key) const {
        return post_json(port_, "/v1/chat/completions", R"({"model":"demo","messages":[{"role":"user","content":"hi"}]})",
                         bearer(key))
            .status;
    }
    bool reloaded_to(int generation) const {
        return eventually([&] {
            return read_text(dir_ / "gateway.out").find(fmt::format("is now generation {}", generation)) != std::string::npos;
        }, 5s);
    }

    std::unique_ptr<llm_mock::MockServer> mock_;
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

TEST_F(AdminKeysProcessTest, ARuntimeKeySurvivesReloadsAndRestarts) {
    std::ofstream(dir_ / "keys.json.tmp") << R"({"keys":[{"id":"half)";  // a crashed write's leftover
    start();
    const HttpResult created = admin(http::verb::post, "/admin/keys", R"({"id":"app2"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string key = Json::parse(created.body)["key"];
    EXPECT_EQ(chat(key), 200);

    ::kill(pid_, SIGHUP);  // the reload reads the keys file again, with the config
    ASSERT_TRUE(reloaded_to(3)) << read_text(dir_ / "gateway.out");
    EXPECT_EQ(chat(key), 200);

    stop();
    start();
    EXPECT_EQ(chat(key), 200);
    const std::string out = read_text(dir_ / "gateway.out");
    EXPECT_EQ(out.find(key), std::string::npos);  // the process log never holds a key

    ASSERT_EQ(admin(http::verb::delete_, "/admin/keys/app2").status, 200);
    EXPECT_EQ(chat(key), 401);
    stop();
    start();
    EXPECT_EQ(chat(key), 401);
}

TEST_F(AdminKeysProcessTest, ADrainSurvivesAReload) {
    start();
    ASSERT_EQ(admin(http::verb::post, "/admin/targets/drain", R"({"model":"demo","backend":"a"})").status, 200);
    ::kill(pid_, SIGHUP);
    ASSERT_TRUE(reloaded_to(2)) << read_text(dir_ / "gateway.out");
    const Json targets = Json::parse(admin(http::verb::get, "/admin/targets").body);
    EXPECT_EQ(targets["models"][0]["targets"][0]["drained"], true) << targets.dump();
    EXPECT_EQ(targets["models"][0]["targets"][1]["drained"], false);
    for (int i = 0; i < 5; ++i) {
        const HttpResult answer = post_json(port_, "/v1/chat/completions",
                                            R"({"model":"demo","messages":[{"role":"user","content":"hi"}]})",
                                            bearer("sk-ig-app1-unused"));
        EXPECT_EQ(answer.header("x-infergate-backend"), "b");
    }
}

}  // namespace
}  // namespace infergate::testing
