// Which bytes of a request are taken as its credential: the Bearer token (scheme in any case),
// else api-key, else x-api-key; any other Authorization scheme is no credential at all.
#include <gtest/gtest.h>

#include "infergate/stages/auth/authenticator.hpp"

namespace infergate::auth {
namespace {

http::request_header<> with(std::initializer_list<std::pair<std::string, std::string>> fields) {
    http::request_header<> headers;
    for (const auto& [name, value] : fields) headers.insert(name, value);
    return headers;
}

TEST(PresentedCredential, TheBearerSchemeMatchesInAnyCase) {
    for (const char* scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
        EXPECT_EQ(presented_credential(with({{"Authorization", std::string(scheme) + " sk-1"}})), "sk-1") << scheme;
    }
}

TEST(PresentedCredential, OtherSchemesAndLookalikesAreNoCredential) {
    // A NUL folded with 0x20 would pass for the space: only A-Z may be folded.
    for (const std::string value : {std::string("Basic sk-1"), std::string("sk-1"), std::string("Bearer"),
                                    std::string("BearerX sk-1"), std::string("Bearer\tsk-1"),
                                    std::string("Bearer\0sk-1", 11)}) {
        EXPECT_EQ(presented_credential(with({{"Authorization", value}})), std::string_view{}) << value;
    }
}

TEST(PresentedCredential, AuthorizationWinsThenApiKeyThenXApiKey) {
    EXPECT_EQ(presented_credential(with({{"x-api-key", "x"}, {"api-key", "a"}, {"Authorization", "Bearer b"}})), "b");
    EXPECT_EQ(presented_credential(with({{"x-api-key", "x"}, {"API-Key", "a"}})), "a");
    EXPECT_EQ(presented_credential(with({{"X-Api-Key", " x "}})), "x");
    EXPECT_EQ(presented_credential(with({{"api-keys", "a"}, {"x-api-key2", "x"}})), std::nullopt);
}

}  // namespace
}  // namespace infergate::auth
