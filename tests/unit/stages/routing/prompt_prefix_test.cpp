// prompt_prefix_hash: stable, bounded by its window, sensitive to every byte inside it.
#include "infergate/stages/routing/prompt_prefix.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace infergate::routing {
namespace {

TEST(PromptPrefix, OnlyTheWindowCounts) {
    const std::string a =
        R"([{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"}])";
    std::string b = a;
    b.back() = '}';
    EXPECT_EQ(prompt_prefix_hash(a, 40), prompt_prefix_hash(b, 40));
    EXPECT_EQ(prompt_prefix_hash(a, 40), prompt_prefix_hash(a.substr(0, 40), 4096));
    EXPECT_NE(prompt_prefix_hash(a, 4096), prompt_prefix_hash(b, 4096));
}

TEST(PromptPrefix, EveryByteAndTheLengthMatter) {
    const std::string base(101, 'x');  // 12 whole words and a 5-byte tail
    std::set<std::uint64_t> hashes{prompt_prefix_hash(base, 4096)};
    for (std::size_t at = 0; at < base.size(); ++at) {
        std::string changed = base;
        changed[at] = 'y';
        hashes.insert(prompt_prefix_hash(changed, 4096));
    }
    EXPECT_EQ(hashes.size(), base.size() + 1);
    // Zero padding of the tail word must not make "x" and "x\0" alike.
    EXPECT_NE(prompt_prefix_hash(std::string_view("x\0", 2), 8), prompt_prefix_hash("x", 8));
}

TEST(PromptPrefix, NeverZeroAndStableAcrossCalls) {
    EXPECT_NE(prompt_prefix_hash("", 4096), 0u);
    EXPECT_NE(prompt_prefix_hash("abc", 0), 0u);
    EXPECT_EQ(prompt_prefix_hash("abc", 0), prompt_prefix_hash("", 4096));
    EXPECT_EQ(prompt_prefix_hash("same prompt", 4096), prompt_prefix_hash("same prompt", 4096));
}

}  // namespace
}  // namespace infergate::routing
