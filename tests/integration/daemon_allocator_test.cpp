// The daemon's allocator: a Release build links tcmalloc (CMakeLists.txt, INFERGATE_TCMALLOC)
// because glibc's malloc serves the request path's 1-4 KiB coroutine frames from its locked
// arena. The link is easy to lose without a sound (an --as-needed linker drops a library nothing
// calls by name), and then only the benchmark would notice: this checks the running process.
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/gateway_process.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

#ifdef INFERGATE_DAEMON_TCMALLOC
TEST(DaemonAllocatorTest, TheRunningDaemonAllocatesWithTcmalloc) {
    const auto mock = recording_mock();
    GatewayProcess gateway;
    gateway.write_config(fmt::format(
        "server: {{ listen: \"127.0.0.1:0\", workers: 1 }}\n"
        "backends:\n  mock: {{ url: \"http://127.0.0.1:{}\" }}\n"
        "models:\n  demo: {{ targets: [ {{ backend: mock }} ] }}\n",
        mock->port()));
    ASSERT_TRUE(gateway.start()) << gateway.output();
    ASSERT_EQ(post_json(gateway.port(), "/v1/chat/completions", chat_body("demo")).status, 200);

    std::ifstream maps("/proc/" + std::to_string(gateway.pid()) + "/maps");
    std::stringstream text;
    text << maps.rdbuf();
    EXPECT_NE(text.str().find("libtcmalloc"), std::string::npos)
        << "the daemon was built with INFERGATE_TCMALLOC but does not map libtcmalloc";
}
#else
TEST(DaemonAllocatorTest, TheRunningDaemonAllocatesWithTcmalloc) {
    GTEST_SKIP() << "built without tcmalloc (INFERGATE_TCMALLOC=OFF or a sanitizer build)";
}
#endif

}  // namespace
}  // namespace infergate::testing
