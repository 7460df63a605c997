#include "stages/auth/base64url.hpp"

#include <gtest/gtest.h>

namespace infergate::auth {
namespace {

TEST(JwtBase64url, DecodesRfc4648Vectors) {
    // RFC 4648 §10 vectors, padding removed.
    EXPECT_EQ(base64url_decode(""), "");
    EXPECT_EQ(base64url_decode("Zg"), "f");
    EXPECT_EQ(base64url_decode("Zm8"), "fo");
    EXPECT_EQ(base64url_decode("Zm9v"), "foo");
    EXPECT_EQ(base64url_decode("Zm9vYg"), "foob");
    EXPECT_EQ(base64url_decode("Zm9vYmE"), "fooba");
    EXPECT_EQ(base64url_decode("Zm9vYmFy"), "foobar");
}

TEST(JwtBase64url, UsesTheUrlAlphabet) {
    EXPECT_EQ(base64url_decode("-_-_"), std::string("\xfb\xff\xbf", 3));
    EXPECT_EQ(base64url_encode(std::string("\xfb\xff\xbf", 3)), "-_-_");
}

TEST(JwtBase64url, RoundTripsEveryByteAndLength) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
    for (std::size_t length = 0; length <= bytes.size(); ++length) {
        const std::string input = bytes.substr(bytes.size() - length);
        EXPECT_EQ(base64url_decode(base64url_encode(input)), input) << "length " << length;
    }
}

TEST(JwtBase64url, RejectsCharactersOutsideTheAlphabet) {
    for (const char* text : {"Zm9v+", "Zm9v/A", "Zm9=", "Zg==", "Zm 9v", "Zm9v\n", "Zm.9"}) {
        EXPECT_EQ(base64url_decode(text), std::nullopt) << text;
    }
    EXPECT_EQ(base64url_decode(std::string_view("Zm\0v", 4)), std::nullopt);
    EXPECT_EQ(base64url_decode("Zm\xc3\xa9v"), std::nullopt);
}

TEST(JwtBase64url, RejectsImpossibleLengthsAndNonCanonicalTails) {
    EXPECT_EQ(base64url_decode("Z"), std::nullopt);
    EXPECT_EQ(base64url_decode("Zm9vY"), std::nullopt);
    // "Zh" and "Zm9" with a low bit set decode to the same bytes as "Zg" / "Zm8": refused.
    EXPECT_EQ(base64url_decode("Zh"), std::nullopt);
    EXPECT_EQ(base64url_decode("Zm9"), std::nullopt);
}

TEST(JwtBase64url, ClassifiesAlphabetCharacters) {
    for (const char c : std::string_view{"azAZ09-_"}) EXPECT_TRUE(is_base64url_char(c)) << c;
    for (const char c : std::string_view{"+/=. \0", 6}) EXPECT_FALSE(is_base64url_char(c)) << c;
    EXPECT_FALSE(is_base64url_char('\xff'));
}

}  // namespace
}  // namespace infergate::auth
