// The config file watch, on the real binary and real files: edits in place, replacement by
// rename and a Kubernetes ConfigMap's `..data` swap reload without a signal; a burst of writes
// reloads once; a touch or an identical rewrite does not reload; a rejected edit leaves the
// old config serving.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/gateway_process_test.hpp"
#include "support/jwt_test_support.hpp"

namespace infergate::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace jwt = auth::testing;

class ConfigWatchTest : public GatewayProcessTest {
protected:
    void SetUp() override {
        GatewayProcessTest::SetUp();
        watch_config_ = true;
    }
    // Writes into the same file (same inode), as `echo >` or some editors do.
    void edit_in_place(const std::string& text) const {
        std::ofstream(config_path(), std::ios::trunc) << text;
    }
    bool serves(const std::string& model) const {
        return get(port_, "/v1/models").body.find("\"" + model + "\"") != std::string::npos;
    }
    // Long enough for a debounced check (250 ms of calm) and a reload to have happened.
    static void settle() { std::this_thread::sleep_for(800ms); }
};

TEST_F(ConfigWatchTest, AnEditInPlaceReloads) {
    start(kDemo);
    edit_in_place(config_text(kDemo + kFresh));
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_TRUE(serves("fresh"));
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("fresh")).status, 200);
    EXPECT_NE(output().find("config file changed, reloading"), std::string::npos) << output();
}

TEST_F(ConfigWatchTest, AReplacementByRenameReloads) {
    start(kDemo);
    write_config(config_text(kDemo + kFresh));
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_TRUE(serves("fresh"));
    // And the watch goes on after the file it first saw was replaced.
    write_config(config_text(kFresh));
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 2")) << output();
    EXPECT_FALSE(serves("demo"));
}

// What the kubelet does: the file is a symlink through `..data`, itself a symlink to a
// timestamped directory; an update writes a new directory and renames a new `..data` over
// the old one, then deletes the old directory.
TEST_F(ConfigWatchTest, AConfigMapUpdateReloads) {
    const fs::path mount = dir_ / "configmap";
    auto publish_version = [&](const std::string& version, const std::string& text) {
        const fs::path data = mount / ("..2024_" + version);
        fs::create_directories(data);
        std::ofstream(data / "gateway.yaml") << text;
        fs::create_directory_symlink(data.filename(), mount / "..data_tmp");
        fs::rename(mount / "..data_tmp", mount / "..data");
    };
    publish_version("1", config_text(kDemo));
    fs::create_symlink("..data/gateway.yaml", mount / "gateway.yaml");
    launch(mount / "gateway.yaml");

    publish_version("2", config_text(kDemo + kFresh));
    fs::remove_all(mount / "..2024_1");
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_TRUE(serves("fresh"));
    // The next update is seen too: the watch follows the new directory.
    publish_version("3", config_text(kFresh));
    fs::remove_all(mount / "..2024_2");
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 2")) << output();
    EXPECT_FALSE(serves("demo"));
}

TEST_F(ConfigWatchTest, AnInvalidEditIsRejectedAndTheOldConfigServes) {
    start(kDemo);
    edit_in_place(config_text(kFresh, "  idle_timeout: soon\n"));
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"failure\"} 1")) << output();
    EXPECT_NE(output().find(config_path().string() + ":5:17: server.idle_timeout:"), std::string::npos) << output();
    EXPECT_TRUE(metric_is("infergate_config_generation 1"));
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 200);
    EXPECT_FALSE(serves("fresh"));
    // No retry of the same rejected bytes; the fix is taken.
    settle();
    EXPECT_TRUE(metric_is("infergate_config_reload_total{result=\"failure\"} 1"));
    edit_in_place(config_text(kFresh));
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_TRUE(serves("fresh"));
}

TEST_F(ConfigWatchTest, ADeletedFileKeepsTheOldConfigAndItsReturnIsPickedUp) {
    start(kDemo);
    fs::remove(config_path());
    settle();
    EXPECT_TRUE(metric_is("infergate_config_generation 1")) << output();
    EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("demo")).status, 200);
    // The file comes back (as a deploy tool writes it): the watch takes it.
    edit_in_place(config_text(kDemo + kFresh));
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_TRUE(serves("fresh"));
}

TEST_F(ConfigWatchTest, ABurstOfWritesReloadsOnce) {
    start(kDemo);
    std::string models = kDemo;
    for (int i = 0; i < 5; ++i) {
        models += fmt::format("  extra{}: {{ targets: [ {{ backend: mock }} ] }}\n", i);
        edit_in_place(config_text(models));
        std::this_thread::sleep_for(30ms);
    }
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_TRUE(serves("extra4"));
    settle();
    EXPECT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1"));
    EXPECT_TRUE(metric_is("infergate_config_generation 2"));
}

TEST_F(ConfigWatchTest, ATouchOrTheSameBytesAgainDoNotReload) {
    start(kDemo);
    fs::last_write_time(config_path(), fs::file_time_type::clock::now());
    write_config(config_text(kDemo));  // replaced by rename, same content
    std::ofstream(dir_ / "unrelated.txt") << "a neighbour changes";
    settle();
    EXPECT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 0"));
    EXPECT_TRUE(metric_is("infergate_config_generation 1"));
}

// A key rotation: the issuer's PEM file, in a directory of its own, is replaced by rename;
// the config file itself does not change.
TEST_F(ConfigWatchTest, AChangedReferencedFileReloads) {
    const auto& keys = jwt::test_keys();
    const fs::path pem = dir_ / "keys" / "issuer.pem";
    fs::create_directories(pem.parent_path());
    std::ofstream(pem) << jwt::public_pem(keys.ec.get());
    const std::string auth = fmt::format(
        "auth:\n  jwt:\n    - {{ name: idp, issuer: \"https://idp.test\", audience: infergate, pem_file: \"{}\" }}\n",
        pem.string());
    write_config(config_text(kDemo) + auth);
    launch(config_path());
    auto token_of = [](EVP_PKEY* key) {
        const auto now = jwt::Clock::now();
        const nlohmann::json claims = {{"iss", "https://idp.test"}, {"aud", "infergate"},
                                       {"exp", jwt::at(600s, now)}, {"iat", jwt::at(-5s, now)}};
        return "Bearer " + jwt::token({{"alg", "ES256"}, {"typ", "JWT"}}, claims, key);
    };
    auto status_with = [&](EVP_PKEY* key) {
        return post_json(port_, "/v1/chat/completions", chat("demo"), {{"authorization", token_of(key)}}).status;
    };
    ASSERT_EQ(status_with(keys.ec.get()), 200u);
    ASSERT_EQ(status_with(keys.other_ec.get()), 401u);

    std::ofstream(pem.parent_path() / "next.pem") << jwt::public_pem(keys.other_ec.get());
    fs::rename(pem.parent_path() / "next.pem", pem);
    ASSERT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 1")) << output();
    EXPECT_EQ(status_with(keys.other_ec.get()), 200u);
    EXPECT_EQ(status_with(keys.ec.get()), 401u);
    EXPECT_NE(output().find("config file changed, reloading (" + pem.string() + ")"), std::string::npos) << output();
}

TEST_F(ConfigWatchTest, NothingIsWatchedWhenTurnedOff) {
    watch_config_ = false;
    start(kDemo);
    write_config(config_text(kDemo + kFresh));
    settle();
    EXPECT_TRUE(metric_is("infergate_config_reload_total{result=\"success\"} 0"));
    EXPECT_FALSE(serves("fresh"));
}

}  // namespace
}  // namespace infergate::testing
