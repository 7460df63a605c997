// glob_match: the same verdict as fnmatch(3) with no flags, on hand-picked cases and on every
// pattern and name of a small alphabet.
#include "infergate/common/glob.hpp"

#include <fnmatch.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace infergate {
namespace {

bool reference(const std::string& pattern, const std::string& name) {
    return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

TEST(GlobMatch, CommonModelPatterns) {
    EXPECT_TRUE(glob_match("gpt-4o", "gpt-4o"));
    EXPECT_FALSE(glob_match("gpt-4o", "gpt-4o-mini"));
    EXPECT_TRUE(glob_match("gpt-4*", "gpt-4o-mini"));
    EXPECT_TRUE(glob_match("gpt-4*", "gpt-4"));
    EXPECT_FALSE(glob_match("gpt-4*", "gpt-3.5-turbo"));
    EXPECT_TRUE(glob_match("*", ""));
    EXPECT_TRUE(glob_match("*", "anything/at all"));
    EXPECT_TRUE(glob_match("meta-llama/*-Instruct", "meta-llama/Meta-Llama-3-8B-Instruct"));
    EXPECT_TRUE(glob_match("claude-?-*", "claude-3-haiku"));
    EXPECT_FALSE(glob_match("claude-?-*", "claude-35-haiku"));
    EXPECT_FALSE(glob_match("", "x"));
    EXPECT_TRUE(glob_match("", ""));
}

TEST(GlobMatch, ClassesAndEscapesFollowFnmatch) {
    EXPECT_TRUE(glob_match("model-[ab]", "model-a"));
    EXPECT_FALSE(glob_match("model-[ab]", "model-c"));
    EXPECT_TRUE(glob_match("literal\\*", "literal*"));
    EXPECT_FALSE(glob_match("literal\\*", "literal-x"));
}

// Every pattern up to 4 symbols over {a, b, *, ?} against every name up to 4 letters over
// {a, b}: 341 patterns x 31 names.
TEST(GlobMatch, AgreesWithFnmatchOnEverySmallCase) {
    const auto all = [](const std::string& alphabet, std::size_t max) {
        std::vector<std::string> out{""};
        for (std::size_t begin = 0, length = 1; length <= max; ++length) {
            const std::size_t end = out.size();
            for (std::size_t i = begin; i < end; ++i) {
                for (const char c : alphabet) out.push_back(out[i] + c);
            }
            begin = end;
        }
        return out;
    };
    for (const std::string& pattern : all("ab*?", 4)) {
        for (const std::string& name : all("ab", 4)) {
            EXPECT_EQ(glob_match(pattern, name), reference(pattern, name)) << pattern << " ~ " << name;
        }
    }
}

}  // namespace
}  // namespace infergate
