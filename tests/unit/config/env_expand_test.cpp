// ${VAR} expansion on its own: references, escapes, and what an error may mention.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/env_expand.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using testing::fake_env;

TEST(EnvExpand, ReplacesEveryReference) {
    const Expansion out = expand_env("${A}-${B_2}/${A}", fake_env({{"A", "x"}, {"B_2", "yy"}}));
    EXPECT_TRUE(out.ok());
    EXPECT_EQ(out.value, "x-yy/x");
}

TEST(EnvExpand, LeavesTextWithoutReferencesAlone) {
    EXPECT_EQ(expand_env("", fake_env()).value, "");
    EXPECT_EQ(expand_env("plain", fake_env()).value, "plain");
    EXPECT_EQ(expand_env("$ $$ $A {A} $}", fake_env()).value, "$ $$ $A {A} $}");
}

TEST(EnvExpand, TurnsDoubleDollarBraceIntoALiteral) {
    const Expansion out = expand_env("$${A} and ${A}", fake_env({{"A", "v"}}));
    EXPECT_TRUE(out.ok());
    EXPECT_EQ(out.value, "${A} and v");
}

TEST(EnvExpand, DoesNotExpandTheValueOfAVariable) {
    const Expansion out = expand_env("${A}", fake_env({{"A", "${B}"}, {"B", "no"}}));
    EXPECT_EQ(out.value, "${B}");
}

TEST(EnvExpand, NamesEachMissingVariableAndKeepsNoPartialValue) {
    const Expansion out = expand_env("secret-${A}-${B}", fake_env());
    EXPECT_THAT(out.errors, ElementsAre("environment variable A is not set",
                                        "environment variable B is not set"));
    EXPECT_EQ(out.value, "");
}

TEST(EnvExpand, RejectsBadNamesWithoutEchoingThem) {
    for (const std::string_view text : {"${}", "${1A}", "${A-B}", "${ A}", "${sk-canary-x}"}) {
        const Expansion out = expand_env(text, fake_env());
        EXPECT_THAT(out.errors, ElementsAre("invalid environment variable name in \"${...}\" "
                                            "(use letters, digits and _)"))
            << text;
    }
}

TEST(EnvExpand, RejectsAnUnterminatedReference) {
    const Expansion out = expand_env("sk-canary-${KEY", fake_env({{"KEY", "v"}}));
    EXPECT_THAT(out.errors, ElementsAre("unterminated \"${\" (missing \"}\")"));
}

}  // namespace
}  // namespace infergate::config
