// Which model list applies to a caller: a key's own, else the token's and the tenant's together.
#include <gtest/gtest.h>

#include "infergate/stages/auth/principal.hpp"

namespace infergate::auth {
namespace {

TEST(Principal, KeyListWinsOverTheTenants) {
    config::Tenant tenant{.name = "team", .models = {"a"}};
    config::ApiKey key{.id = "k", .models = {"b*"}};
    Principal principal{.anonymous = false, .key = &key, .tenant_config = &tenant};
    EXPECT_TRUE(principal.may_use("b-large"));
    EXPECT_FALSE(principal.may_use("a"));
    key.models.clear();
    EXPECT_TRUE(principal.may_use("a"));
    EXPECT_FALSE(principal.may_use("b-large"));
}

TEST(Principal, TokenModelsNarrowTheTenantsNeverWiden) {
    config::Tenant tenant{.name = "team", .models = {"gpt-*"}};
    Principal principal{.anonymous = false, .tenant_config = &tenant, .has_jwt_models = true,
                        .jwt_models = {"gpt-4o", "llama-3"}};
    EXPECT_TRUE(principal.may_use("gpt-4o"));
    EXPECT_FALSE(principal.may_use("gpt-4o-mini"));  // tenant allows it, the token does not
    EXPECT_FALSE(principal.may_use("llama-3"));      // the token names it, the tenant does not
    principal.tenant_config = nullptr;
    EXPECT_TRUE(principal.may_use("llama-3"));
    principal.jwt_models.clear();  // a claim listing no models allows none
    EXPECT_FALSE(principal.may_use("gpt-4o"));
    principal.has_jwt_models = false;
    EXPECT_TRUE(principal.may_use("anything"));
}

}  // namespace
}  // namespace infergate::auth
