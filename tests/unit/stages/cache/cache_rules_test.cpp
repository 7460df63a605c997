#include "infergate/stages/cache/cache_rules.hpp"

#include <gtest/gtest.h>

namespace infergate::cache {
namespace {

using api::Endpoint;

NormalizedBody body(std::string_view json) {
    auto normalized = normalize_body(json);
    EXPECT_TRUE(normalized) << json;
    return normalized.value_or(NormalizedBody{});
}

TEST(ResponseCacheRules, ClientHeadersDecideFirst) {
    EXPECT_EQ(client_directive("", ""), ClientDirective::none);
    EXPECT_EQ(client_directive("", "force"), ClientDirective::force);
    EXPECT_EQ(client_directive("", " Force "), ClientDirective::force);
    EXPECT_EQ(client_directive("", "yes"), ClientDirective::none);
    EXPECT_EQ(client_directive("no-cache", ""), ClientDirective::bypass);
    EXPECT_EQ(client_directive("max-age=0, No-Store", "force"), ClientDirective::bypass);
    EXPECT_EQ(client_directive("no-cache=\"set-cookie\"", ""), ClientDirective::bypass);
    EXPECT_EQ(client_directive("max-age=60", "force"), ClientDirective::force);
    EXPECT_EQ(client_directive("no-transform", ""), ClientDirective::none);
}

TEST(ResponseCacheRules, OnlyTemperatureZeroIsDeterministic) {
    const auto none = ClientDirective::none;
    EXPECT_TRUE(is_cacheable(none, Endpoint::chat_completions, body(R"({"temperature":0})")));
    EXPECT_TRUE(is_cacheable(none, Endpoint::completions, body(R"({"temperature":0.0})")));
    // Absent means OpenAI's default of 1.
    EXPECT_FALSE(is_cacheable(none, Endpoint::chat_completions, body(R"({"model":"m"})")));
    EXPECT_FALSE(is_cacheable(none, Endpoint::chat_completions, body(R"({"temperature":null})")));
    EXPECT_FALSE(is_cacheable(none, Endpoint::chat_completions, body(R"({"temperature":0.2})")));
    EXPECT_FALSE(is_cacheable(none, Endpoint::chat_completions, body(R"({"temperature":"0"})")));
    // Embeddings do not sample.
    EXPECT_TRUE(is_cacheable(none, Endpoint::embeddings, body(R"({"input":"x"})")));
    // Endpoints that are not proxied answers are never deterministic by themselves.
    EXPECT_FALSE(is_cacheable(none, Endpoint::models, body(R"({"temperature":0})")));
}

TEST(ResponseCacheRules, ForceOptsInButNeverPastBypassOrSeveralChoices) {
    const auto warm = body(R"({"temperature":0.7})");
    EXPECT_TRUE(is_cacheable(ClientDirective::force, Endpoint::chat_completions, warm));
    EXPECT_FALSE(is_cacheable(ClientDirective::bypass, Endpoint::chat_completions,
                              body(R"({"temperature":0})")));
    EXPECT_FALSE(is_cacheable(ClientDirective::bypass, Endpoint::embeddings, body("{}")));
    EXPECT_FALSE(is_cacheable(ClientDirective::none, Endpoint::chat_completions,
                              body(R"({"temperature":0,"n":2})")));
    EXPECT_FALSE(is_cacheable(ClientDirective::force, Endpoint::chat_completions,
                              body(R"({"temperature":0,"n":2})")));
    EXPECT_TRUE(is_cacheable(ClientDirective::none, Endpoint::chat_completions,
                             body(R"({"temperature":0,"n":1})")));
}

}  // namespace
}  // namespace infergate::cache
