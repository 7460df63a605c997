// The daemon's command line, run as a real process: config validation output and exit codes.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace {

struct CommandResult {
    int exit_code;
    std::string output;  // stdout + stderr
};

CommandResult run_infergate(const std::string& arguments) {
    const std::string command = std::string(INFERGATE_BINARY) + " " + arguments + " 2>&1";
    CommandResult result{-1, {}};
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    while (const std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / name;
    std::ofstream(path) << text;
    return path;
}

TEST(Cli, CheckConfigAcceptsTheShippedDefault) {
    const CommandResult result = run_infergate("--check-config " INFERGATE_TEST_DATA_DIR "/../../config/infergate.yaml");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("configuration is valid"), std::string::npos);
}

TEST(Cli, CheckConfigPrintsEveryErrorWithLineColumnAndPath) {
    const auto path = write_temp("infergate-cli-bad.yaml",
                                 "backends:\n"
                                 "  vllm: { url: \"http://127.0.0.1:8000\", api_key: \"sk-canary-BACKEND-7f3a91c2\", provder: openai }\n"
                                 "models:\n"
                                 "  llama:\n"
                                 "    targets: [ { backend: vlm } ]\n");
    const CommandResult result = run_infergate("--check-config " + path.string());
    EXPECT_EQ(result.exit_code, 1);
    const std::string name = path.string();
    EXPECT_NE(result.output.find(name + ":2:80: backends.vllm.provder: unknown key"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find(name + ":5:27: models.llama.targets[0].backend: unknown backend \"vlm\""),
              std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("canary"), std::string::npos);
    std::filesystem::remove(path);
}

TEST(Cli, RefusesToStartOnAnInvalidConfig) {
    const auto path = write_temp("infergate-cli-empty.yaml", "");
    const CommandResult result = run_infergate("--config " + path.string());
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("rejected"), std::string::npos) << result.output;
    std::filesystem::remove(path);
}

TEST(Cli, RefusesToStartWhenTheAccessLogCannotBeOpened) {
    const auto path = write_temp("infergate-cli-log.yaml",
                                 "server: { listen: \"127.0.0.1:0\" }\n"
                                 "log: { access_log: { path: /nonexistent-dir/access.log } }\n"
                                 "backends: { mock: { url: \"http://127.0.0.1:9\" } }\n"
                                 "models: { demo: { targets: [ { backend: mock } ] } }\n");
    const CommandResult result = run_infergate("--config " + path.string());
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("cannot open access log /nonexistent-dir/access.log"), std::string::npos)
        << result.output;
    std::filesystem::remove(path);
}

TEST(Cli, VersionAndUnknownArguments) {
    EXPECT_EQ(run_infergate("--version").output, "infergate " INFERGATE_VERSION "\n");
    EXPECT_EQ(run_infergate("--frobnicate").exit_code, 2);
}

}  // namespace
