// Inputs that are not JWTs at all, or not well-formed ones: refused as malformed, never thrown.
#include <set>

#include "jwt_test_fixture.hpp"

namespace infergate::auth::testing {
namespace {

using JwtMalformed = JwtTest;

TEST_F(JwtMalformed, WrongNumberOfSegments) {
    const std::string jwt = rs256(claims());
    const std::string two = jwt.substr(0, jwt.rfind('.'));
    for (const std::string& text :
         {std::string{}, std::string{"."}, std::string{".."}, two, jwt + ".",
          jwt + "." + jwt.substr(0, 10), std::string{"sk-live-abc"}}) {
        EXPECT_EQ(error_of(verify(text)), JwtError::malformed) << text;
    }
}

TEST_F(JwtMalformed, BadBase64InAnySegment) {
    const std::string jwt = rs256(claims());
    const std::size_t first = jwt.find('.');
    const std::size_t second = jwt.find('.', first + 1);
    for (const std::size_t at : {std::size_t{3}, first + 3, second + 3}) {
        for (const char bad : {'+', '/', '=', ' ', '\0'}) {
            std::string broken = jwt;
            broken[at] = bad;
            EXPECT_EQ(error_of(verify(broken)), JwtError::malformed) << at << " " << bad;
        }
    }
    EXPECT_EQ(error_of(verify(jwt + "==")), JwtError::malformed);  // padding
}

TEST_F(JwtMalformed, SegmentsThatAreNotJsonObjects) {
    const std::string signature = "." + base64url_encode("sig");
    const std::string good_header = base64url_encode(header("RS256", "rsa-1").dump());
    const std::string good_payload = base64url_encode(claims().dump());
    for (const std::string_view bad : {"not json", "{\"alg\":\"RS256\"", "[\"RS256\"]", "\"x\"",
                                       "42", "null", "{} {}", "{\"a\":\"\xff\"}"}) {
        const std::string text = base64url_encode(bad);
        EXPECT_EQ(error_of(verify(text + "." + good_payload + signature)), JwtError::malformed)
            << "header " << bad;
        EXPECT_EQ(error_of(verify(good_header + "." + text + signature)), JwtError::malformed)
            << "payload " << bad;
    }
    // A JSON array payload, properly signed.
    EXPECT_EQ(error_of(verify(rs256(json::array({claims()})))), JwtError::malformed);
}

TEST_F(JwtMalformed, HeaderFieldsOfTheWrongType) {
    EXPECT_EQ(error_of(verify(token({{"typ", "JWT"}}, claims(), keys().rsa.get()))),
              JwtError::malformed);  // no alg
    EXPECT_EQ(error_of(verify(token({{"alg", 256}}, claims(), keys().rsa.get()))),
              JwtError::malformed);
    EXPECT_EQ(error_of(verify(token({{"alg", "RS256"}, {"kid", 1}}, claims(), keys().rsa.get()))),
              JwtError::malformed);
}

TEST_F(JwtMalformed, HugeTokensAreRefusedBeforeDecoding) {
    json payload = claims();
    payload["padding"] = std::string(JwtVerifier::max_token_size, 'x');
    const std::string huge = rs256(payload);  // genuinely signed, just too large
    EXPECT_GT(huge.size(), JwtVerifier::max_token_size);
    EXPECT_EQ(error_of(verify(huge)), JwtError::malformed);
    EXPECT_EQ(error_of(verify(std::string(1 << 20, 'a'))), JwtError::malformed);

    payload["padding"] = std::string(JwtVerifier::max_token_size / 2, 'x');
    EXPECT_EQ(accepted(verify(rs256(payload))).issuer, idp);  // large but under the limit
}

TEST_F(JwtMalformed, DeepNestingIsHandled) {
    json payload = claims();
    payload["deep"] = json::parse(std::string(2000, '[') + std::string(2000, ']'));
    EXPECT_EQ(accepted(verify(rs256(payload))).issuer, idp);
}

TEST(JwtLooksLike, TellsJwtsFromApiKeysByShapeAlone) {
    EXPECT_TRUE(JwtVerifier::looks_like_jwt("eyJh.eyJz.c2ln"));
    EXPECT_TRUE(JwtVerifier::looks_like_jwt("eyJh.eyJz."));  // unsigned: still a JWT, refused later
    for (const char* text : {"", "sk-live-0123456789abcdef", "a.b", "a.b.c.d", ".b.c", "a..c",
                             "a.b.c=", "a+b.c.d", "a.b/c.d", "a b.c.d", "a.b.c\n"}) {
        EXPECT_FALSE(JwtVerifier::looks_like_jwt(text)) << text;
    }
}

TEST(JwtDescribe, MessagesAreFixedAndDistinct) {
    std::set<std::string_view> seen;
    for (int i = 0; i <= static_cast<int>(JwtError::missing_claim); ++i) {
        const std::string_view text = describe(static_cast<JwtError>(i));
        EXPECT_FALSE(text.empty());
        EXPECT_TRUE(seen.insert(text).second) << text;
    }
}

}  // namespace
}  // namespace infergate::auth::testing
