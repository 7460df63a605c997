#include "infergate/common/secret.hpp"

#include <gtest/gtest.h>

namespace infergate {
namespace {

TEST(Secret, FormatsAsFingerprintNeverPlaintext) {
    const Secret key{"sk-canary-BACKEND-1234567890"};
    const std::string shown = fmt::format("key={}", key);
    EXPECT_EQ(shown.find("canary"), std::string::npos);
    EXPECT_TRUE(shown.starts_with("key=<redacted:")) << shown;
    EXPECT_EQ(shown, fmt::format("key={}", Secret{"sk-canary-BACKEND-1234567890"}));
    EXPECT_NE(shown, fmt::format("key={}", Secret{"sk-other"}));
}

TEST(Secret, EmptySecretSaysSo) { EXPECT_EQ(fmt::format("{}", Secret{}), "<empty>"); }

}  // namespace
}  // namespace infergate
