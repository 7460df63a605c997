// The runtime keys file: what POST /admin/keys stores reads back the same at the next load,
// its entries are checked like auth.keys (clashes with the config's keys reported by file and
// position), a leftover temporary file from a crashed write is ignored, and the atomic write
// leaves the file whole and private (0600).
#include "infergate/config/keys_file.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/file_io.hpp"
#include "config_test_support.hpp"
#include "infergate/stages/auth/api_key.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class KeysFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("infergate-keys-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / "keys.json").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    LoadResult load() const {
        return testing::load(R"(backends:
  b: { url: "http://127.0.0.1:8090" }
models:
  m: { targets: [ { backend: b } ] }
  n: { targets: [ { backend: b } ] }
tenants:
  team-a: {}
auth:
  keys: [ { id: app1, sha256: ")" + auth::to_hex(auth::sha256_of("sk-ig-app1-x")) + R"(" } ]
admin:
  key_sha256: ")" + auth::to_hex(auth::sha256_of("admin")) + R"("
  keys_file: ")" + path_ + "\"\n");
    }
    void write(const std::string& text) const { std::ofstream(path_) << text; }

    std::filesystem::path dir_;
    std::string path_;
};

TEST_F(KeysFile, AKeyReadsBackAsItWasStored) {
    LoadResult first = load();
    ASSERT_TRUE(first.ok()) << ::testing::PrintToString(first.errors);
    const std::string key = auth::generate_key("app2");
    const nlohmann::json entry = {{"id", "app2"},
                                  {"sha256", auth::to_hex(auth::sha256_of(key))},
                                  {"tenant", "team-a"},
                                  {"models", {"m", "n*"}},
                                  {"expires", "2031-01-31T00:00:00Z"},
                                  {"labels", {{"owner", "ops"}}},
                                  {"priority", "high"},
                                  {"limits", {{"requests_per_minute", 60}, {"budget_usd_per_day", 1.25},
                                              {"models", {{"m", {{"tokens_per_minute", 1000}}}}}}}};
    auto parsed = parse_runtime_key(entry, *first.config);
    ASSERT_TRUE(std::holds_alternative<ApiKey>(parsed)) << std::get<KeyProblem>(parsed).message;
    first.config->auth.keys.push_back(std::get<ApiKey>(parsed));
    const std::string text = render_keys_file(*first.config);
    EXPECT_THAT(text, Not(HasSubstr(key)));             // only the hash is stored
    EXPECT_THAT(text, Not(HasSubstr("\"app1\"")));      // config keys stay in the config
    ASSERT_EQ(write_file_atomically(path_, text), "");
    EXPECT_NO_THROW((void)nlohmann::json::parse(text));

    const LoadResult second = load();
    ASSERT_TRUE(second.ok()) << ::testing::PrintToString(second.errors);
    ASSERT_EQ(second.config->auth.keys.size(), 2u);
    const ApiKey& back = second.config->auth.keys[1];
    EXPECT_TRUE(back.runtime);
    EXPECT_FALSE(second.config->auth.keys[0].runtime);
    EXPECT_EQ(back.id, "app2");
    EXPECT_EQ(back.sha256, auth::sha256_of(key));
    EXPECT_EQ(back.tenant, "team-a");
    EXPECT_THAT(back.models, ElementsAre("m", "n*"));
    EXPECT_EQ(back.labels.at("owner"), "ops");
    EXPECT_EQ(back.priority, 2);
    EXPECT_EQ(back.limits.all.requests_per_minute, 60);
    EXPECT_EQ(back.limits.all.budget_micro_usd_per_day, 1'250'000);
    EXPECT_EQ(back.limits.per_model.at("m").tokens_per_minute, 1000);
    ASSERT_TRUE(back.expires);
    EXPECT_EQ(render_keys_file(*second.config), text);  // a fixed point
}

TEST_F(KeysFile, ProblemsNameTheParameter) {
    const LoadResult loaded = load();
    ASSERT_TRUE(loaded.ok());
    const std::string hash = auth::to_hex(auth::sha256_of("k"));
    auto problem = [&](nlohmann::json entry) {
        entry["sha256"] = hash;
        auto parsed = parse_runtime_key(entry, *loaded.config);
        return std::holds_alternative<KeyProblem>(parsed) ? std::get<KeyProblem>(parsed) : KeyProblem{"none", ""};
    };
    EXPECT_EQ(problem({{"id", "bad-id"}}).param, "id");
    EXPECT_EQ(problem({{"id", "app1"}}).param, "id");  // taken by the config
    EXPECT_THAT(problem({{"id", "app1"}}).message, HasSubstr("already taken by a key in the config"));
    EXPECT_EQ(problem({{"id", "x"}, {"tenant", "nope"}}).param, "tenant");
    EXPECT_EQ(problem({{"id", "x"}, {"models", {"nope"}}}).param, "models[0]");
    EXPECT_EQ(problem({{"id", "x"}, {"limits", {{"requests_per_minute", -1}}}}).param, "limits.requests_per_minute");
    EXPECT_EQ(problem({{"id", "x"}, {"labels", {{"a", "${HOME}"}}}}).param, "labels.a");
    EXPECT_EQ(problem({{"id", "x"}}).param, "none");
}

TEST_F(KeysFile, AClashWithTheConfigFailsTheLoadWithThePosition) {
    write(R"({"keys": [
  {"id": "app1", "sha256": ")" + auth::to_hex(auth::sha256_of("other")) + R"("}
]})");
    const LoadResult loaded = load();
    ASSERT_FALSE(loaded.ok());
    EXPECT_THAT(loaded.errors, ElementsAre(HasSubstr(path_ + ":2:3: keys[0].id: key id \"app1\" is already taken")));
}

TEST_F(KeysFile, NoFileMeansNoKeysAndALeftoverTemporaryFileIsIgnored) {
    std::ofstream(path_ + ".tmp") << R"({"keys": [ {"id": "half)";  // a write cut short by a crash
    LoadResult loaded = load();
    ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    EXPECT_EQ(loaded.config->auth.keys.size(), 1u);
    write(R"({"keys": []})");
    loaded = load();
    ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
}

TEST_F(KeysFile, AnInvalidFileFailsTheLoad) {
    write("{\"keys\": [ {\"id\": \"x\", \"sha256\": \"nothex\"} ]}");
    EXPECT_THAT(load().errors, ElementsAre(HasSubstr("keys[0].sha256: expected 64 hexadecimal digits")));
    write("{\"keys\": [");
    EXPECT_THAT(load().errors, ElementsAre(HasSubstr("invalid JSON")));
}

TEST_F(KeysFile, TheAtomicWriteReplacesTheFileWholeAndPrivate) {
    std::ofstream(path_ + ".tmp") << "leftover";
    ::chmod((path_ + ".tmp").c_str(), 0644);
    ASSERT_EQ(write_file_atomically(path_, "first"), "");
    ASSERT_EQ(write_file_atomically(path_, "second"), "");
    std::string contents;
    ASSERT_EQ(read_file(path_, contents), "");
    EXPECT_EQ(contents, "second");
    struct stat info {};
    ASSERT_EQ(::stat(path_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
    EXPECT_THAT(write_file_atomically((dir_ / "missing" / "k.json").string(), "x"), HasSubstr("cannot create"));
}

TEST_F(KeysFile, TheDirectoryMustExist) {
    path_ = (dir_ / "missing" / "keys.json").string();
    EXPECT_THAT(load().errors, ElementsAre(HasSubstr("admin.keys_file: no such directory")));
}

}  // namespace
}  // namespace infergate::config
