// The config we ship must load as it is, with no network and no environment variables.
#include <gtest/gtest.h>

#include "infergate/config/loader.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

constexpr const char* shipped_config = INFERGATE_TEST_DATA_DIR "/../../config/infergate.yaml";

TEST(ShippedConfig, LoadsWithoutErrorsAndRoutesDemoToTheMock) {
    const LoadResult result = load_from_file(shipped_config, testing::fake_env());
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    const Config& config = *result.config;
    EXPECT_EQ(config.source, shipped_config);
    EXPECT_EQ(config.server.listen_host, "0.0.0.0");
    EXPECT_EQ(config.server.listen_port, 8080);

    ASSERT_EQ(config.models.size(), 1u);
    const Model& demo = config.models.at("demo");
    ASSERT_EQ(demo.targets.size(), 1u);
    EXPECT_EQ(demo.targets[0].backend, "mock");
    EXPECT_EQ(demo.targets[0].model, "mock-model");

    ASSERT_EQ(config.backends.size(), 1u);
    const Backend& mock = config.backends.at("mock");
    EXPECT_EQ(mock.provider, Provider::openai);
    EXPECT_FALSE(mock.tls);
    EXPECT_EQ(mock.host, "127.0.0.1");
    EXPECT_EQ(mock.port, 8090);
    EXPECT_EQ(mock.base_path, "");
    EXPECT_TRUE(mock.api_key.empty());
}

}  // namespace
}  // namespace infergate::config
