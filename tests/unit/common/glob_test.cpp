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

struct Case {
    const char* pattern;
    const char* name;
    bool matches;
};

TEST(GlobMatch, CommonPatternsClassesAndEscapes) {
    const Case cases[] = {
        {"gpt-4o", "gpt-4o", true},
        {"gpt-4o", "gpt-4o-mini", false},
        {"gpt-4*", "gpt-4o-mini", true},
        {"gpt-4*", "gpt-4", true},
        {"gpt-4*", "gpt-3.5-turbo", false},
        {"*", "", true},
        {"*", "anything/at all", true},
        {"meta-llama/*-Instruct", "meta-llama/Meta-Llama-3-8B-Instruct", true},
        {"claude-?-*", "claude-3-haiku", true},
        {"claude-?-*", "claude-35-haiku", false},
        {"", "x", false},
        {"", "", true},
        {"model-[ab]", "model-a", true},  // classes and escapes: fnmatch's rules
        {"model-[ab]", "model-c", false},
        {"literal\\*", "literal*", true},
        {"literal\\*", "literal-x", false},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(glob_match(c.pattern, c.name), c.matches) << c.pattern << " ~ " << c.name;
        EXPECT_EQ(reference(c.pattern, c.name), c.matches) << "fnmatch: " << c.pattern << " ~ " << c.name;
    }
}

// Every pattern up to 4 symbols over {a, b, *, ?} against every name up to 4 symbols over
// {a, b, *, ?} (names may hold the metacharacters too): 341 x 341 cases.
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
        for (const std::string& name : all("ab*?", 4)) {
            EXPECT_EQ(glob_match(pattern, name), reference(pattern, name)) << pattern << " ~ " << name;
        }
    }
}

}  // namespace
}  // namespace infergate
