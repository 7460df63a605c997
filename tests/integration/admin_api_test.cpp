// The admin API on real sockets, in-process: every endpoint asks for the admin key and
// checks its method; /admin/config hides credentials; /admin/backends shows pooled
// connections; draining a target moves its traffic to the other one and back; runtime keys
// work at once, are revoked at once, and reach the keys file (whole, private, hashes only),
// even when created concurrently. admin_keys_process_test.cpp covers restarts and reloads.
#include <sys/stat.h>

#include <filesystem>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/auth/api_key.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/replicas.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// The canary makes any leak of the admin key fail the test (TestGateway checks every output).
const std::string kAdmin = "sk-ig-admin-" + std::string(kClientCanary);
const std::string kApp1 = "sk-ig-app1-config-key-for-tests";

Headers bearer(const std::string& key) { return {{"authorization", "Bearer " + key}}; }

class AdminApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / fmt::format("infergate-admin-{}", std::random_device{}());
        std::filesystem::create_directories(dir_);
        a_ = start_replica();
        b_ = start_replica();
    }
    void TearDown() override {
        gateway_.reset();
        std::filesystem::remove_all(dir_);
    }

    std::string keys_file() const { return (dir_ / "keys.json").string(); }

    void start(bool runtime_keys = true) {
        std::string admin = "admin:\n  key_sha256: \"" + auth::to_hex(auth::sha256_of(kAdmin)) + "\"\n";
        if (runtime_keys) admin += "  keys_file: \"" + keys_file() + "\"\n";
        gateway_ = std::make_unique<TestGateway>(routing_config(
            backend_entry("a", *a_) + backend_entry("b", *b_),
            "  demo:\n    strategy: weighted\n    targets: [ { backend: a }, { backend: b } ]\n"
            "  solo: { targets: [ { backend: a } ], fallbacks: { models: [ demo ] } }\n",
            "tenants:\n  team-a: {}\n"
            "auth:\n  keys: [ { id: app1, sha256: \"" + auth::to_hex(auth::sha256_of(kApp1)) + "\" } ]\n" + admin));
    }
    std::uint16_t port() const { return gateway_->port(); }

    HttpResult admin(http::verb method, const std::string& target, const std::string& body = "") const {
        Headers headers = bearer(kAdmin);
        if (!body.empty()) headers.emplace_back("content-type", "application/json");
        return request(port(), method, target, body, headers);
    }
    HttpResult chat(const std::string& key, const std::string& model = "demo") const {
        return post_json(port(), "/v1/chat/completions",
                         R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})", bearer(key));
    }

    std::filesystem::path dir_;
    std::unique_ptr<llm_mock::MockServer> a_, b_;
    std::unique_ptr<TestGateway> gateway_;
};

struct Call {
    http::verb method;
    const char* target;
    const char* body;
};
const Call kEndpoints[] = {
    {http::verb::get, "/admin/usage", ""},
    {http::verb::get, "/admin/targets", ""},
    {http::verb::get, "/admin/config", ""},
    {http::verb::get, "/admin/backends", ""},
    {http::verb::post, "/admin/targets/drain", R"({"backend":"a","model":"demo"})"},
    {http::verb::post, "/admin/targets/undrain", R"({"backend":"a","model":"demo"})"},
    {http::verb::get, "/admin/keys", ""},
    {http::verb::post, "/admin/keys", R"({"id":"nope"})"},
    {http::verb::delete_, "/admin/keys/app1", ""},
};

TEST_F(AdminApiTest, EveryEndpointAsksForTheAdminKey) {
    start();
    for (const Call& call : kEndpoints) {
        SCOPED_TRACE(call.target);
        const HttpResult none = request(port(), call.method, call.target, call.body);
        EXPECT_EQ(none.status, 401) << none.body;
        EXPECT_EQ(Json::parse(none.body)["error"]["code"], "invalid_api_key");
        // An API key is not the admin key.
        EXPECT_EQ(request(port(), call.method, call.target, call.body, bearer(kApp1)).status, 401);
    }
    EXPECT_EQ(chat(kApp1).status, 200);  // nothing above changed anything
    EXPECT_EQ(Json::parse(admin(http::verb::get, "/admin/keys").body)["data"].size(), 1u);
}

TEST_F(AdminApiTest, MethodsAreCheckedAndNamedInAllow) {
    start();
    const std::pair<http::verb, const char*> wrong[] = {{http::verb::post, "/admin/config"},
                                                        {http::verb::get, "/admin/targets/drain"},
                                                        {http::verb::put, "/admin/keys"},
                                                        {http::verb::post, "/admin/keys/app1"}};
    const char* allowed[] = {"GET", "POST", "GET, POST", "DELETE"};
    for (std::size_t i = 0; i < std::size(wrong); ++i) {
        SCOPED_TRACE(wrong[i].second);
        const HttpResult answer = admin(wrong[i].first, wrong[i].second);
        EXPECT_EQ(answer.status, 405);
        EXPECT_EQ(answer.header("allow"), allowed[i]);
        EXPECT_EQ(Json::parse(answer.body)["error"]["code"], "method_not_allowed");
    }
}

TEST_F(AdminApiTest, WithoutAnAdminKeyThereIsNoAdminApi) {
    gateway_ = std::make_unique<TestGateway>(routing_config(backend_entry("a", *a_), "  demo: { targets: [ { backend: a } ] }\n"));
    for (const Call& call : kEndpoints) {
        EXPECT_EQ(request(port(), call.method, call.target, call.body, bearer(kAdmin)).status, 404) << call.target;
    }
}

TEST_F(AdminApiTest, ConfigIsTheEffectiveOneWithoutCredentials) {
    start();
    const HttpResult answer = admin(http::verb::get, "/admin/config");
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_THAT(answer.body, Not(HasSubstr(kBackendCanary)));
    EXPECT_THAT(answer.body, Not(HasSubstr(auth::to_hex(auth::sha256_of(kAdmin)))));
    EXPECT_THAT(answer.body, Not(HasSubstr(auth::to_hex(auth::sha256_of(kApp1)))));
    const Json body = Json::parse(answer.body);
    EXPECT_EQ(body["generation"], 1);
    EXPECT_EQ(body["hash"].get<std::string>().size(), 16u);
    EXPECT_EQ(body["path"], "test.yaml");
    EXPECT_THAT(body["loaded_at"].get<std::string>(), HasSubstr("Z"));
    EXPECT_THAT(body["config"]["backends"]["a"]["api_key"].get<std::string>(), HasSubstr("<redacted:"));
    EXPECT_EQ(body["config"]["server"]["workers"], 2);
    EXPECT_EQ(body["config"]["admin"]["keys_file"], keys_file());
}

TEST_F(AdminApiTest, BackendsShowTheirPoolsOverEveryWorker) {
    start();
    for (int i = 0; i < 6; ++i) ASSERT_EQ(chat(kApp1).status, 200);
    Json a;
    // A connection goes back to its pool just after the answer is written: poll for it.
    ASSERT_TRUE(eventually([&] {
        const Json body = Json::parse(admin(http::verb::get, "/admin/backends").body);
        a = body["backends"][0];
        return a["pool"]["idle"].get<int>() >= 1 && a["pool"]["in_use"] == 0;
    })) << a.dump();
    EXPECT_EQ(a["name"], "a");
    EXPECT_EQ(a["provider"], "openai");
    EXPECT_EQ(a["url"], "http://127.0.0.1:" + std::to_string(a_->port()));
    EXPECT_EQ(a["last_connect"], "ok");
    EXPECT_EQ(a["health_check"]["enabled"], false);
    EXPECT_GE(a["pool"]["opened_total"].get<int>(), 1);
    EXPECT_EQ(a["pool"]["open"], a["pool"]["idle"]);
    EXPECT_EQ(a["pool"]["max"], 2 * 1024);
}

TEST_F(AdminApiTest, ADrainedTargetGetsNoNewRequestsUntilUndrained) {
    start();
    const HttpResult drained = admin(http::verb::post, "/admin/targets/drain", R"({"model":"demo","backend":"a"})");
    ASSERT_EQ(drained.status, 200) << drained.body;
    EXPECT_EQ(Json::parse(drained.body)["targets"], 1);
    const std::size_t a_before = requests_seen(*a_);
    for (int i = 0; i < 10; ++i) {
        const HttpResult answer = chat(kApp1);
        ASSERT_EQ(answer.status, 200);
        EXPECT_EQ(answer.header("x-infergate-backend"), "b");
    }
    EXPECT_EQ(requests_seen(*a_), a_before);
    const Json targets = Json::parse(admin(http::verb::get, "/admin/targets").body);
    for (const Json& model : targets["models"]) {
        if (model["model"] == "demo") {
            EXPECT_EQ(model["targets"][0]["drained"], true);
            EXPECT_EQ(model["targets"][1]["drained"], false);
        } else {
            EXPECT_EQ(model["targets"][0]["drained"], false);  // "solo" on a was not named
        }
    }
    EXPECT_EQ(get(port(), "/readyz").status, 200);  // b still serves demo

    // Every target of solo drained: its fallback (demo, on b) serves. Both of demo's: 503.
    ASSERT_EQ(admin(http::verb::post, "/admin/targets/drain", R"({"backend":"a"})").status, 200);
    EXPECT_EQ(chat(kApp1, "solo").header("x-infergate-backend"), "b");
    ASSERT_EQ(admin(http::verb::post, "/admin/targets/drain", R"({"model":"demo","backend":"b"})").status, 200);
    const HttpResult none = chat(kApp1);
    EXPECT_EQ(none.status, 503);
    EXPECT_EQ(Json::parse(none.body)["error"]["code"], "model_drained");
    const HttpResult ready = get(port(), "/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_THAT(ready.body, HasSubstr("models_unavailable"));

    ASSERT_EQ(admin(http::verb::post, "/admin/targets/undrain", R"({"backend":"a"})").status, 200);
    ASSERT_EQ(admin(http::verb::post, "/admin/targets/undrain", R"({"backend":"b"})").status, 200);
    bool a_again = false;
    for (int i = 0; i < 10 && !a_again; ++i) a_again = chat(kApp1).header("x-infergate-backend") == "a";
    EXPECT_TRUE(a_again);
    EXPECT_EQ(get(port(), "/readyz").status, 200);
}

TEST_F(AdminApiTest, DrainRequestsAreValidated) {
    start();
    auto refusal = [&](const std::string& body) {
        const HttpResult answer = admin(http::verb::post, "/admin/targets/drain", body);
        EXPECT_EQ(answer.status, 400) << body;
        const Json error = Json::parse(answer.body)["error"];
        return error["param"].is_null() ? error["code"].get<std::string>() : error["param"].get<std::string>();
    };
    EXPECT_EQ(refusal(R"({"model":"demo","backend":"nope"})"), "backend");
    EXPECT_EQ(refusal(R"({"model":"nope","backend":"a"})"), "model");
    EXPECT_EQ(refusal(R"({"model":"demo"})"), "backend");
    EXPECT_EQ(refusal(R"({"backend":7})"), "backend");
    EXPECT_EQ(refusal(R"({"backend":"a","weight":2})"), "weight");
    EXPECT_EQ(refusal("not json"), "invalid_json");
    EXPECT_EQ(refusal("[1]"), "invalid_json");
    const HttpResult large = admin(http::verb::post, "/admin/targets/drain", std::string(70 * 1024, ' '));
    EXPECT_EQ(large.status, 413);
}

TEST_F(AdminApiTest, ARuntimeKeyWorksAtOnceAndIsRevokedAtOnce) {
    start();
    const HttpResult created = admin(http::verb::post, "/admin/keys",
                                     R"({"id":"app2","tenant":"team-a","models":["demo"],"labels":{"owner":"ops"},)"
                                     R"("limits":{"requests_per_minute":100}})");
    ASSERT_EQ(created.status, 201) << created.body;
    const Json body = Json::parse(created.body);
    const std::string key = body["key"];
    EXPECT_TRUE(key.starts_with("sk-ig-app2-")) << key;
    EXPECT_EQ(body["id"], "app2");
    EXPECT_EQ(body["source"], "keys_file");
    EXPECT_EQ(body["generation"], 2);
    EXPECT_EQ(chat(key).status, 200);
    EXPECT_EQ(chat(key, "solo").status, 404);  // only demo for this key

    // Listed without its secret or hash; the file holds the hash only, privately.
    const std::string listed = admin(http::verb::get, "/admin/keys").body;
    EXPECT_THAT(listed, Not(HasSubstr(key)));
    EXPECT_THAT(listed, Not(HasSubstr("sha256")));
    EXPECT_THAT(listed, HasSubstr(R"("id":"app2")"));
    const std::string file = read_text(keys_file());
    const Json stored = Json::parse(file);
    ASSERT_EQ(stored["keys"].size(), 1u);
    EXPECT_EQ(stored["keys"][0]["sha256"], auth::to_hex(auth::sha256_of(key)));
    EXPECT_THAT(file, Not(HasSubstr(key.substr(11))));
    struct stat info {};
    ASSERT_EQ(::stat(keys_file().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);

    const HttpResult revoked = admin(http::verb::delete_, "/admin/keys/app2");
    ASSERT_EQ(revoked.status, 200) << revoked.body;
    EXPECT_EQ(Json::parse(revoked.body)["deleted"], true);
    // Refused on every worker from now on: two workers, several new connections.
    for (int i = 0; i < 6; ++i) EXPECT_EQ(chat(key).status, 401);
    EXPECT_EQ(Json::parse(read_text(keys_file()))["keys"].size(), 0u);
    EXPECT_EQ(admin(http::verb::delete_, "/admin/keys/app2").status, 404);
    EXPECT_EQ(chat(kApp1).status, 200);
}

TEST_F(AdminApiTest, KeyRequestsAreValidated) {
    start();
    auto param_of = [&](const std::string& body, unsigned status = 400) {
        const HttpResult answer = admin(http::verb::post, "/admin/keys", body);
        EXPECT_EQ(answer.status, status) << body << " -> " << answer.body;
        const Json error = Json::parse(answer.body)["error"];
        return error["param"].is_null() ? error["code"].get<std::string>() : error["param"].get<std::string>();
    };
    EXPECT_EQ(param_of(R"({})"), "id");
    EXPECT_EQ(param_of(R"({"id":"app1"})"), "id");  // the config's
    EXPECT_EQ(param_of(R"({"id":"has-dash"})"), "id");
    EXPECT_EQ(param_of(R"({"id":"x","tenant":"nope"})"), "tenant");
    EXPECT_EQ(param_of(R"({"id":"x","limits":{"requests_per_minute":"many"}})"), "limits.requests_per_minute");
    EXPECT_EQ(param_of(R"({"id":"x","sha256":"00"})"), "sha256");
    EXPECT_EQ(param_of(R"({"id":"x","policies":{}})"), "policies");
    const HttpResult config_key = admin(http::verb::delete_, "/admin/keys/app1");
    EXPECT_EQ(config_key.status, 409);
    EXPECT_EQ(Json::parse(config_key.body)["error"]["code"], "key_in_config");
    EXPECT_FALSE(std::filesystem::exists(keys_file()));  // nothing was written
}

TEST_F(AdminApiTest, WithoutAKeysFileRuntimeKeysAreOff) {
    start(/*runtime_keys=*/false);
    const HttpResult answer = admin(http::verb::post, "/admin/keys", R"({"id":"app2"})");
    EXPECT_EQ(answer.status, 409);
    EXPECT_EQ(Json::parse(answer.body)["error"]["code"], "runtime_keys_off");
    EXPECT_EQ(Json::parse(admin(http::verb::get, "/admin/keys").body)["runtime_keys"], false);
}

TEST_F(AdminApiTest, KeysCreatedConcurrentlyAreAllKept) {
    start();
    constexpr int kKeys = 8;
    std::vector<std::string> keys(kKeys);
    std::vector<std::thread> threads;
    for (int i = 0; i < kKeys; ++i) {
        threads.emplace_back([&, i] {
            const HttpResult answer = admin(http::verb::post, "/admin/keys", fmt::format(R"({{"id":"k{}"}})", i));
            if (answer.status == 201) keys[i] = Json::parse(answer.body)["key"];
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(Json::parse(read_text(keys_file()))["keys"].size(), std::size_t{kKeys});
    for (const std::string& key : keys) {
        ASSERT_FALSE(key.empty());
        EXPECT_EQ(chat(key).status, 200);
    }
}

}  // namespace
}  // namespace infergate::testing
