// load_from_file: reading errors, and messages that name the file exactly as it was given.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "infergate/config/loader.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;

TEST(ConfigLoader, NamesTheFileExactlyAsGiven) {
    const std::string path = INFERGATE_TEST_DATA_DIR "/config/../config/unknown_key.yaml";
    const LoadResult result = load_from_file(path, testing::fake_env());
    EXPECT_THAT(result.errors, ElementsAre(path + ":2:3: server.listn: unknown key"));
}

TEST(ConfigLoader, ReportsAFileThatCannotBeRead) {
    const LoadResult missing = load_from_file("/nonexistent/infergate.yaml");
    EXPECT_FALSE(missing.config);
    EXPECT_THAT(missing.errors, ElementsAre("/nonexistent/infergate.yaml: cannot read file: "
                                            "No such file or directory"));
    const LoadResult directory = load_from_file(INFERGATE_TEST_DATA_DIR "/config");
    EXPECT_THAT(directory.errors,
                ElementsAre(INFERGATE_TEST_DATA_DIR "/config: cannot read file: Is a directory"));
}

}  // namespace
}  // namespace infergate::config
