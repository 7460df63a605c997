// RouteTable: names resolve to their routes, aliases or the "*" route; each declared name
// knows, from the snapshot's build, which rules' model patterns match it.
#include "infergate/stages/routing/route_table.hpp"

#include <gtest/gtest.h>

namespace infergate::routing {
namespace {

std::unique_ptr<Route> route(const std::string& model, bool passthrough = false) {
    auto compiled = std::make_unique<Route>();
    compiled->model = model;
    compiled->passthrough = passthrough;
    return compiled;
}

config::RouteRule rule(std::vector<std::string> models) {
    config::RouteRule compiled;
    compiled.models = std::move(models);
    return compiled;
}

config::RouteRule streamed(config::RouteRule compiled) {
    compiled.stream = true;
    return compiled;
}

class RouteTableRules : public ::testing::Test {
protected:
    void SetUp() override {
        gpt_ = &table_.add("gpt-4o", route("gpt-4o"));
        demo_ = &table_.add("demo-1", route("demo-1"));
        table_.add("*", route("*", true));
        table_.add_alias("gpt-4", gpt_);
        for (const config::RouteRule& r : rules_) table_.add_rule({&r, demo_});
        table_.add_alias("late-alias", demo_);  // added after the rules: indexed all the same
    }

    const std::vector<config::RouteRule> rules_{rule({"gpt-4*"}), streamed(rule({"demo-*", "other"})), rule({}),
                                                rule({"claude-*"})};
    RouteTable table_;
    Route* gpt_ = nullptr;
    Route* demo_ = nullptr;
};

TEST_F(RouteTableRules, NamesResolveToTheirRoutesAndOthersToTheStarRoute) {
    EXPECT_EQ(table_.find("gpt-4o"), gpt_);
    EXPECT_EQ(table_.find("gpt-4"), gpt_);
    EXPECT_EQ(table_.find("late-alias"), demo_);
    ASSERT_NE(table_.find("unknown"), nullptr);
    EXPECT_TRUE(table_.find("unknown")->passthrough);
}

TEST_F(RouteTableRules, EachDeclaredNameListsTheRulesWhosePatternsAndStreamConditionMatchIt) {
    using Indices = std::vector<std::uint32_t>;
    const auto rules = [&](std::string_view model, bool stream) {
        const RouteTable::Lookup found = table_.lookup(model, stream);
        EXPECT_NE(found.rules, nullptr) << model;
        return found.rules != nullptr ? *found.rules : Indices{};
    };
    EXPECT_EQ(rules("gpt-4o", false), (Indices{0, 2}));
    EXPECT_EQ(rules("gpt-4", false), (Indices{0, 2}));  // an alias by its own name
    EXPECT_EQ(rules("demo-1", false), (Indices{2}));     // rule 1 wants streams
    EXPECT_EQ(rules("demo-1", true), (Indices{1, 2}));
    EXPECT_EQ(rules("late-alias", true), (Indices{2}));
    EXPECT_EQ(table_.lookup("gpt-4o", true).route, gpt_);
}

TEST_F(RouteTableRules, AnUndeclaredNameHasNoPrecomputedRules) {
    const RouteTable::Lookup found = table_.lookup("claude-3", false);
    EXPECT_EQ(found.rules, nullptr);
    ASSERT_NE(found.route, nullptr);
    EXPECT_TRUE(found.route->passthrough);
}

}  // namespace
}  // namespace infergate::routing
