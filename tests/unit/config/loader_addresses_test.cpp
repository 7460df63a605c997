// Listen addresses and backend urls: what is refused, and the exact words used.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using testing::load;
using testing::with_routes;

// The error for `listen: "<text>"` written on line 1 as `server: { listen: "<text>" }`.
std::vector<std::string> listen_errors(std::string_view text) {
    return load(with_routes("server: { listen: \"" + std::string{text} + "\" }\n")).errors;
}

TEST(ConfigLoader, RejectsMalformedListenAddresses) {
    const std::string at = "infergate.yaml:1:19: server.listen: ";
    EXPECT_THAT(listen_errors("8080"),
                ElementsAre(at + "expected host:port like \"0.0.0.0:8080\", got \"8080\""));
    EXPECT_THAT(listen_errors(":8080"),
                ElementsAre(at + "expected host:port like \"0.0.0.0:8080\", got \":8080\""));
    EXPECT_THAT(listen_errors("0.0.0.0:"),
                ElementsAre(at + "expected host:port like \"0.0.0.0:8080\", got \"0.0.0.0:\""));
    EXPECT_THAT(listen_errors("0.0.0.0:65536"),
                ElementsAre(at + "port must be a number from 0 to 65535, got \"65536\""));
    EXPECT_THAT(listen_errors("0.0.0.0:http"),
                ElementsAre(at + "port must be a number from 0 to 65535, got \"http\""));
    EXPECT_THAT(listen_errors("::1:8080"),
                ElementsAre(at + "IPv6 addresses need brackets, like \"[::1]:8080\""));
    EXPECT_THAT(listen_errors("[::1:8080"),
                ElementsAre(at + "missing \"]\" after the IPv6 address"));
    EXPECT_THAT(listen_errors("[::1]"),
                ElementsAre(at + "expected host:port like \"0.0.0.0:8080\", got \"[::1]\""));
    EXPECT_THAT(listen_errors("[host]:80"), ElementsAre(at + "invalid IPv6 address \"host\""));
    EXPECT_THAT(listen_errors("[1::2::3]:80"),
                ElementsAre(at + "invalid IPv6 address \"1::2::3\""));
    EXPECT_THAT(listen_errors("my host:80"), ElementsAre(at + "invalid host \"my host\""));
    EXPECT_THAT(listen_errors("localhost:9000"),
                ElementsAre(at + "expected an IP address to listen on, like 0.0.0.0, 127.0.0.1 "
                                 "or [::], got \"localhost\""));
    EXPECT_THAT(listen_errors("256.0.0.1:80"),
                ElementsAre(at + "expected an IP address to listen on, like 0.0.0.0, 127.0.0.1 "
                                 "or [::], got \"256.0.0.1\""));
}

// The errors for a backend `b` whose url is `<url>`, written on line 2 column 13.
std::vector<std::string> url_errors(std::string_view url) {
    return load("backends:\n  b: { url: \"" + std::string{url} +
                "\" }\nmodels:\n  m: { targets: [ { backend: b } ] }\n")
        .errors;
}

TEST(ConfigLoader, RejectsMalformedBackendUrls) {
    const std::string at = "infergate.yaml:2:13: backends.b.url: ";
    EXPECT_THAT(url_errors(""), ElementsAre(at + "must not be empty"));
    EXPECT_THAT(url_errors("vllm.internal:8000"),
                ElementsAre(at + "expected a URL like \"http://host:8000\""));
    EXPECT_THAT(url_errors("://h"), ElementsAre(at + "expected a URL like \"http://host:8000\""));
    EXPECT_THAT(url_errors("ws://h"),
                ElementsAre(at + "unsupported scheme \"ws\" (supported: http, https)"));
    EXPECT_THAT(url_errors("https://user:pass@h"),
                ElementsAre(at + "must not contain credentials (\"user@\"): put the key in "
                                 "api_key"));
    EXPECT_THAT(url_errors("https://h/a?x=1"),
                ElementsAre(at + "must not contain a query (\"?...\")"));
    EXPECT_THAT(url_errors("https://h/a#top"),
                ElementsAre(at + "must not contain a fragment (\"#...\")"));
    EXPECT_THAT(url_errors("http://"), ElementsAre(at + "host is missing"));
    EXPECT_THAT(url_errors("http://:8000"), ElementsAre(at + "host is missing"));
    EXPECT_THAT(url_errors("http://h:0"),
                ElementsAre(at + "port must be a number from 1 to 65535, got \"0\""));
    EXPECT_THAT(url_errors("http://h:99999"),
                ElementsAre(at + "port must be a number from 1 to 65535, got \"99999\""));
    EXPECT_THAT(url_errors("http://h:"),
                ElementsAre(at + "port must be a number from 1 to 65535, got \"\""));
    EXPECT_THAT(url_errors("http://::1:8000"),
                ElementsAre(at + "IPv6 addresses need brackets, like \"[::1]:8080\""));
    EXPECT_THAT(url_errors("http://h_ost!/"), ElementsAre(at + "invalid host \"h_ost!\""));
    EXPECT_THAT(url_errors("http://[vllm]:8000"),
                ElementsAre(at + "invalid IPv6 address \"vllm\""));
    EXPECT_THAT(url_errors("http://[::1"),
                ElementsAre(at + "missing \"]\" after the IPv6 address"));
    EXPECT_THAT(url_errors("http://h/a b"),
                ElementsAre(at + "path contains a character that must be percent-encoded"));
    EXPECT_THAT(url_errors("http://h/%zz"),
                ElementsAre(at + "path contains a character that must be percent-encoded"));
}

TEST(ConfigLoader, RejectsAUrlThatAlreadyEndsInV1) {
    const std::string message =
        "infergate.yaml:2:13: backends.b.url: must not end in \"/v1\": the gateway appends "
        "\"/v1/...\" to the url itself";
    EXPECT_THAT(url_errors("http://localhost:11434/v1"), ElementsAre(message));
    EXPECT_THAT(url_errors("http://localhost:11434/v1/"), ElementsAre(message));
    EXPECT_TRUE(url_errors("http://localhost:11434/v1beta").empty());
}

}  // namespace
}  // namespace infergate::config
