#include "infergate/stages/transform/azure_path.hpp"

#include <gtest/gtest.h>

namespace infergate::transform {
namespace {

TEST(AzurePath, AddressesTheDeploymentWithTheApiVersion) {
    std::string target = "/base";
    append_azure_path(target, api::Endpoint::chat_completions, "gpt-4o-prod", "2024-10-21");
    EXPECT_EQ(target, "/base/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21");

    target.clear();
    append_azure_path(target, api::Endpoint::embeddings, "emb.small_v3", "2024-10-21");
    EXPECT_EQ(target, "/openai/deployments/emb.small_v3/embeddings?api-version=2024-10-21");

    target.clear();
    append_azure_path(target, api::Endpoint::completions, "instruct", "2024-10-21");
    EXPECT_EQ(target, "/openai/deployments/instruct/completions?api-version=2024-10-21");
}

TEST(AzurePath, AClientChosenNameCannotAddSegmentsOrParameters) {
    std::string target;
    append_azure_path(target, api::Endpoint::chat_completions, "../x?api-version=1&a=b#f y", "2024-10-21");
    EXPECT_EQ(target,
              "/openai/deployments/..%2Fx%3Fapi-version%3D1%26a%3Db%23f%20y/chat/completions?api-version=2024-10-21");

    target.clear();
    append_azure_path(target, api::Endpoint::chat_completions, "..", "2024-10-21");
    EXPECT_EQ(target, "/openai/deployments/%2E%2E/chat/completions?api-version=2024-10-21");
}

}  // namespace
}  // namespace infergate::transform
