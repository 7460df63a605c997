// Canary secrets against the real daemon (catalogue §3.4 A11, invariant 3.0.4): the gateway
// runs as its own process with the most verbose log, its stdout, stderr and access log in
// files, a client key and backend keys that are planted canaries, and traffic that goes through
// every error path that could quote one (config errors, refused keys, a backend refusing its
// key, a stream cut short). Afterwards not one byte of a canary is in any of them.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "infergate/stages/auth/api_key.hpp"
#include "support/http_client.hpp"
#include "support/scripted_upstream.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

namespace fs = std::filesystem;
using Reply = ScriptedUpstream::Reply;
constexpr auto npos = std::string::npos;

// A backend key only this file plants (the config file holds it literally).
constexpr const char* kFileCanary = "sk-canary-FILE-5a7c0e19";

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The daemon as a child process, stdout and stderr in files, stopped with SIGTERM.
class Daemon {
public:
    Daemon(const fs::path& dir, std::vector<std::string> args)
        : out_(dir / "stdout"), err_(dir / "stderr"), args_(std::move(args)) {
        // Everything is prepared before fork(): the child of a threaded process may only make
        // async-signal-safe calls before exec.
        std::vector<char*> argv{const_cast<char*>(INFERGATE_BINARY)};
        for (auto& arg : args_) argv.push_back(arg.data());
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (char** var = environ; *var != nullptr; ++var) envp.push_back(*var);
        envp.push_back(env_.data());
        envp.push_back(nullptr);
        const int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out, 1);
            ::dup2(err, 2);
            ::execve(INFERGATE_BINARY, argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(out);
        ::close(err);
    }
    ~Daemon() { stop(); }

    // Waits for the "listening on http://127.0.0.1:PORT" line; 0 if it never came.
    std::uint16_t port() {
        std::uint16_t port = 0;
        eventually([&] {
            const std::string text = output();
            const std::size_t at = text.find("listening on http://127.0.0.1:");
            if (at != npos) port = static_cast<std::uint16_t>(std::stoi(text.substr(at + 30)));
            return port != 0 || exited();
        });
        return port;
    }
    bool exited() {
        if (status_) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
        return status_.has_value();
    }
    // The exit code once the daemon ended by itself; -1 if it did not within 5 s (then killed).
    int wait() {
        if (!eventually([&] { return exited(); })) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            status_ = -1;
            return -1;
        }
        return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1;
    }
    // The exit code after SIGTERM.
    int stop() {
        if (!exited()) ::kill(pid_, SIGTERM);
        return wait();
    }
    std::string output() const { return slurp(out_) + slurp(err_); }

private:
    fs::path out_, err_;
    std::vector<std::string> args_;
    std::string env_ = std::string("INFERGATE_CANARY_KEY=") + kBackendCanary;
    pid_t pid_ = -1;
    std::optional<int> status_;
};

class SecretCanaryTest : public ::testing::Test {
protected:
    SecretCanaryTest() {
        std::string pattern = (fs::temp_directory_path() / "infergate-canary-XXXXXX").string();
        dir_ = ::mkdtemp(pattern.data());
    }
    ~SecretCanaryTest() override { fs::remove_all(dir_); }
    fs::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
        return dir_ / name;
    }
    static void expect_no_canary(const std::string& where, const std::string& text) {
        for (const char* canary : {kClientCanary, kBackendCanary, kFileCanary}) {
            EXPECT_EQ(text.find(canary), npos) << where << " holds " << canary << ":\n" << text.substr(0, 2000);
        }
        // Not even a recognisable piece of one (a provider's "sk-canar****91c2").
        EXPECT_EQ(text.find("sk-canary"), npos) << where;
    }

    fs::path dir_;
};

// Config errors next to secrets: the daemon refuses the file (check and start alike), names
// file:line:column, and prints no secret value.
TEST_F(SecretCanaryTest, ConfigErrorsNeverPrintASecret) {
    const std::string file_key(kFileCanary);
    const std::vector<std::pair<std::string, std::string>> configs = {
        {"semantic.yaml",
         "backends:\n"
         "  query: { url: \"http://127.0.0.1:1/base?key=" + file_key + "\" }\n"
         "  userinfo: { url: \"http://user:" + file_key + "@127.0.0.1:1\" }\n"
         "  typed: { url: \"http://127.0.0.1:1\", api_key: [ \"" + file_key + "\" ] }\n"
         "  unknown: { url: \"http://127.0.0.1:1\", api_key: \"" + file_key + "\", api_kee: \"" + file_key + "\" }\n"
         "  env: { url: \"http://127.0.0.1:1\", api_key: \"${INFERGATE_CANARY_KEY}\", timeouts: { connect: soon } }\n"
         "  twice: { url: \"http://127.0.0.1:1\", api_key: \"" + file_key + "\", api_key: \"" + file_key + "\" }\n"
         "models:\n  m: { targets: [ { backend: query } ] }\n"},
        {"syntax.yaml",
         "backends:\n  b:\n    url: \"http://127.0.0.1:1\"\n    api_key: \"" + file_key + "\n"
         "models: { m: { targets: [ { backend: b } ] } }\n"},
        {"tab.yaml", "backends:\n  b:\n\tapi_key: " + file_key + "\n"},
    };
    for (const auto& [name, yaml] : configs) {
        SCOPED_TRACE(name);
        const fs::path path = write(name, yaml);
        for (const char* mode : {"--check-config", "--config"}) {
            Daemon daemon(dir_, {mode, path.string()});
            EXPECT_EQ(daemon.wait(), 1);
            const std::string output = daemon.output();
            EXPECT_NE(output.find(path.string() + ":"), npos) << output;
            expect_no_canary(std::string(mode) + " " + name, output);
        }
    }
}

// A running daemon, log level debug, through every error path that could quote a key.
TEST_F(SecretCanaryTest, NoOutputOfARunningGatewayHoldsACanary) {
    const std::string quoting = std::string("Incorrect API key provided: ") + kBackendCanary + " / " + kFileCanary;
    ScriptedUpstream refuser(Reply{ScriptedUpstream::response(
        401, "application/json", R"({"error":{"message":")" + quoting + R"(","type":"invalid_request_error"}})")});
    ScriptedUpstream cutter(Reply{
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n",
        ScriptedUpstream::Then::reset});
    const std::string client_key = "sk-ig-app-" + std::string(kClientCanary);
    const fs::path access_log = dir_ / "access.log";
    const fs::path config = write(
        "gateway.yaml",
        "server: { listen: \"127.0.0.1:0\", workers: 1 }\n"
        "log: { level: debug, access_log: { path: \"" + access_log.string() + "\" } }\n"
        "backends:\n"
        "  refuser: { url: \"" + refuser.url() + "\", api_key: \"${INFERGATE_CANARY_KEY}\" }\n"
        "  cutter: { url: \"" + cutter.url() + "\", api_key: \"" + kFileCanary + "\" }\n"
        "models:\n"
        "  refused: { targets: [ { backend: refuser } ] }\n"
        "  cut: { targets: [ { backend: cutter } ] }\n"
        "auth:\n  max_failures_per_minute: 3\n  keys:\n"
        "    - { id: app, sha256: \"" + auth::to_hex(auth::sha256_of(client_key)) + "\" }\n");
    Daemon daemon(dir_, {"--config", config.string()});
    const std::uint16_t port = daemon.port();
    ASSERT_NE(port, 0) << daemon.output();

    const Headers good{{"authorization", "Bearer " + client_key}};
    std::vector<std::pair<std::string, HttpResult>> answers;
    auto call = [&](const std::string& what, const std::string& target, const std::string& body, const Headers& headers) {
        answers.emplace_back(what, post_json(port, target, body, headers));
        return answers.back().second;
    };
    EXPECT_EQ(call("backend refuses its key", "/v1/chat/completions",
                   R"({"model":"refused","messages":[]})", good).status, 502);
    const HttpResult cut = call("stream cut short", "/v1/chat/completions",
                                R"({"model":"cut","stream":true,"messages":[]})", good);
    EXPECT_EQ(cut.status, 200);
    ASSERT_FALSE(sse_data(cut.body).empty());
    EXPECT_NE(sse_data(cut.body).back().find("\"error\""), npos) << cut.body;
    call("query key", "/v1/chat/completions?api_key=" + client_key, R"({"model":"cut","messages":[]})", {});
    call("unknown path with a query key", "/v2/x?key=" + client_key, "{}", {});
    for (const std::string& wrong : {client_key + "x", "Basic " + client_key, std::string("Bearer ") + kBackendCanary,
                                     "Bearer " + client_key + "-" + kFileCanary}) {
        call("refused key", "/v1/chat/completions", R"({"model":"cut","messages":[]})", {{"authorization", wrong}});
    }
    EXPECT_EQ(answers.back().second.status, 429);  // the failure limiter's warning is logged
    const std::string metrics = get(port, "/metrics").body;
    EXPECT_EQ(daemon.stop(), 0);

    // Both backends really received their canary: the test planted them where they belong.
    EXPECT_NE(refuser.requests().at(0).find(kBackendCanary), npos);
    EXPECT_NE(cutter.requests().at(0).find(kFileCanary), npos);
    const std::string log = slurp(access_log);
    EXPECT_NE(log.find("\"status\":502"), npos) << log;
    for (const auto& [what, answer] : answers) {
        expect_no_canary(what, answer.body);
        for (const auto& [name, value] : answer.headers) expect_no_canary(what + " header " + name, value);
    }
    expect_no_canary("stdout and stderr", daemon.output());
    expect_no_canary("access log", log);
    expect_no_canary("/metrics", metrics);
}

}  // namespace
}  // namespace infergate::testing
