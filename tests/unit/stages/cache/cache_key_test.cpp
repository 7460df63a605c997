#include "infergate/stages/cache/cache_key.hpp"

#include <gtest/gtest.h>

namespace infergate::cache {
namespace {

constexpr std::string_view kBody =
    R"({"model":"gpt-4o","temperature":0,"messages":[{"role":"user","content":"hi"}]})";

KeyScope tenant_scope(std::string_view tenant = "acme") {
    KeyScope scope;
    scope.model = "gpt-4o";
    scope.tenant = tenant;
    scope.key_id = "k1";
    return scope;
}

CacheKey key_of(std::string_view body, const KeyScope& scope = tenant_scope()) {
    auto key = cache_key(body, scope);
    EXPECT_TRUE(key.has_value()) << body;
    return key.value_or(CacheKey{});
}

TEST(ResponseCacheKey, KeyOrderAndWhitespaceDoNotMatter) {
    const CacheKey key = key_of(kBody);
    EXPECT_EQ(key, key_of(R"({ "messages" : [ { "content":"hi", "role":"user" } ],
                              "temperature": 0, "model": "gpt-4o" })"));
    // Escapes decode to the same text.
    EXPECT_EQ(
        key,
        key_of(
            R"({"mod\u0065l":"gpt-4o","temperature":0,"messages":[{"role":"user","content":"h\u0069"}]})"));
    EXPECT_EQ(to_hex(key).size(), 64u);
}

TEST(ResponseCacheKey, StreamingAndBookkeepingFieldsDoNotMatter) {
    const CacheKey key = key_of(kBody);
    EXPECT_EQ(key, key_of(R"({"model":"gpt-4o","temperature":0,"stream":true,
        "stream_options":{"include_usage":true},"user":"u-42","metadata":{"run":"7"},
        "store":false,"service_tier":"auto","prompt_cache_key":"p","safety_identifier":"s",
        "messages":[{"role":"user","content":"hi"}]})"));
}

TEST(ResponseCacheKey, AnythingThatChangesTheAnswerChangesTheKey) {
    const CacheKey key = key_of(kBody);
    // Only top-level bookkeeping fields are ignored; the same names deeper are content.
    EXPECT_NE(key_of(R"({"model":"m","response_format":{"type":"json_schema","user":1}})"),
              key_of(R"({"model":"m","response_format":{"type":"json_schema"}})"));
    EXPECT_NE(
        key,
        key_of(
            R"({"model":"gpt-4o","temperature":0,"messages":[{"role":"user","content":"hi!"}]})"));
    EXPECT_NE(
        key,
        key_of(
            R"({"model":"gpt-4o","temperature":0,"seed":1,"messages":[{"role":"user","content":"hi"}]})"));
    // The same array in another order is another conversation.
    EXPECT_NE(
        key_of(
            R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]})"),
        key_of(
            R"({"model":"m","messages":[{"role":"user","content":"b"},{"role":"user","content":"a"}]})"));
    KeyScope other_model = tenant_scope();
    other_model.model = "gpt-4o-mini";
    EXPECT_NE(key, key_of(kBody, other_model));
    KeyScope other_endpoint = tenant_scope();
    other_endpoint.endpoint = api::Endpoint::completions;
    EXPECT_NE(key, key_of(kBody, other_endpoint));
    const std::pair<std::string_view, std::string_view> beta[] = {{"openai-beta", "x"}};
    KeyScope with_header = tenant_scope();
    with_header.headers = beta;
    EXPECT_NE(key, key_of(kBody, with_header));
}

TEST(ResponseCacheKey, TenantsAndKeysNeverShareUnlessConfigured) {
    const CacheKey acme = key_of(kBody, tenant_scope("acme"));
    EXPECT_NE(acme, key_of(kBody, tenant_scope("globex")));
    // Within a tenant, every key shares.
    KeyScope other_key = tenant_scope("acme");
    other_key.key_id = "k2";
    EXPECT_EQ(acme, key_of(kBody, other_key));
    // Without a tenant, the key id is the scope; a key named like a tenant stays apart.
    KeyScope key_a = tenant_scope("");
    KeyScope key_b = tenant_scope("");
    key_b.key_id = "k2";
    EXPECT_NE(key_of(kBody, key_a), key_of(kBody, key_b));
    KeyScope key_named_acme = tenant_scope("");
    key_named_acme.key_id = "acme";
    EXPECT_NE(acme, key_of(kBody, key_named_acme));
    // Shared: tenants meet.
    KeyScope shared_acme = tenant_scope("acme");
    KeyScope shared_globex = tenant_scope("globex");
    shared_acme.share_across_tenants = shared_globex.share_across_tenants = true;
    EXPECT_EQ(key_of(kBody, shared_acme), key_of(kBody, shared_globex));
    EXPECT_NE(key_of(kBody, shared_acme), acme);
}

TEST(ResponseCacheKey, RefusesBodiesItCannotCompareSafely) {
    const KeyScope scope = tenant_scope();
    EXPECT_FALSE(cache_key("", scope));
    EXPECT_FALSE(cache_key("[1,2]", scope));
    EXPECT_FALSE(cache_key(R"({"model":"m",)", scope));
    // Duplicate keys: the gateway refuses them at the top; inside, upstreams disagree.
    EXPECT_FALSE(cache_key(R"({"model":"m","model":"n"})", scope));
    EXPECT_FALSE(cache_key(R"({"model":"m","tool_choice":{"type":"a","type":"b"}})", scope));
    EXPECT_FALSE(cache_key(R"({"model":"m","stream":true,"stream":false})", scope));
    // An integer past uint64 would be rounded: two seeds could collide.
    EXPECT_FALSE(cache_key(R"({"model":"m","seed":123456789012345678901234})", scope));
    EXPECT_TRUE(cache_key(R"({"model":"m","seed":18446744073709551615,"top_p":0.5})", scope));
    std::string deep = R"({"model":"m","x":)";
    for (int i = 0; i < 200; ++i) deep += "[";
    for (int i = 0; i < 200; ++i) deep += "]";
    deep += "}";
    EXPECT_FALSE(cache_key(deep, scope));
}

TEST(ResponseCacheKey, NormalizedBodyReportsTemperatureAndChoices) {
    auto body = normalize_body(R"({"model":"m","temperature":0.0,"n":3})");
    ASSERT_TRUE(body);
    EXPECT_EQ(body->temperature, 0.0);
    EXPECT_EQ(body->choices, 3);
    EXPECT_EQ(body->canonical, R"({"model":"m","n":3,"temperature":0.0})");
    body = normalize_body(R"({"model":"m","temperature":null,"n":"2"})");
    ASSERT_TRUE(body);
    EXPECT_FALSE(body->temperature);
    EXPECT_EQ(body->choices, -1);
    body = normalize_body(R"({"model":"m"})");
    ASSERT_TRUE(body);
    EXPECT_FALSE(body->temperature);
    EXPECT_EQ(body->choices, 1);
}

}  // namespace
}  // namespace infergate::cache
