#include "infergate/json/scanner.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <vector>

namespace infergate::json {
namespace {

std::vector<Member> members_of(std::string_view text, std::size_t depth = 64) {
    std::vector<Member> out;
    auto sink = [&](const Member& m) { out.push_back(m); };
    EXPECT_FALSE(scan_object(text, depth, sink).has_value()) << text;
    return out;
}

std::string error_of(std::string_view text, std::size_t depth = 64) {
    auto sink = [](const Member&) {};
    auto error = scan_object(text, depth, sink);
    return error ? error->message : "";
}

TEST(JsonScanner, ReportsTopLevelMembersAsExactViews) {
    const auto members = members_of(R"( {"a" : 1.5e3, "b":[1,{"c":null}], "d":"x\"y", "e":true} )");
    ASSERT_EQ(members.size(), 4u);
    EXPECT_EQ(members[0].key, "a");
    EXPECT_EQ(members[0].kind, Kind::number);
    EXPECT_EQ(members[0].value, "1.5e3");
    EXPECT_EQ(members[1].value, R"([1,{"c":null}])");
    EXPECT_EQ(members[1].kind, Kind::array);
    EXPECT_EQ(members[2].value, R"("x\"y")");
    EXPECT_EQ(decode_string(members[2].value), "x\"y");
    EXPECT_EQ(members[3].kind, Kind::boolean);
}

TEST(JsonScanner, RejectsMalformedDocuments) {
    for (const char* bad : {"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}",
                            "{\"a\":1.}", "{\"a\":NaN}", "{\"a\":tru}", "{} x", "{\"a\":[1,]}",
                            "{\"a\":\"\x01\"}", "{'a':1}", "{\"a\":1}/*c*/", "{\"a\":-}"}) {
        EXPECT_NE(error_of(bad), "") << bad;
    }
}

TEST(JsonScanner, EnforcesTheDepthLimitWithoutRecursion) {
    std::string deep = "{\"a\":";
    for (int i = 0; i < 100000; ++i) deep += "[";
    EXPECT_EQ(error_of(deep, 128), "nesting is deeper than the limit");
    std::string ok = "{\"a\":[[[1]]]}";
    EXPECT_EQ(error_of(ok, 4), "");
    EXPECT_EQ(error_of(ok, 3), "nesting is deeper than the limit");
}

TEST(JsonScanner, ValidatesUtf8AndSurrogates) {
    EXPECT_EQ(error_of("{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}"), "");
    EXPECT_EQ(error_of("{\"a\":\"\\ud83d\\ude00\"}"), "");
    EXPECT_EQ(error_of("{\"a\":\"\xc0\xaf\"}"), "invalid UTF-8 in a string");      // overlong
    EXPECT_EQ(error_of("{\"a\":\"\xed\xa0\x80\"}"), "invalid UTF-8 in a string");  // surrogate
    EXPECT_EQ(error_of("{\"a\":\"\xff\"}"), "invalid UTF-8 in a string");
    EXPECT_EQ(error_of("{\"a\":\"\\ud83d\"}"), "lone surrogate in \\u escape");
    EXPECT_EQ(error_of("{\"a\":\"\\ude00\"}"), "lone surrogate in \\u escape");
}

// Strings are scanned eight bytes at a time: a byte that ends or breaks the fast path must be
// seen at every offset of the word and of the tail, with the same verdict as nlohmann's parser.
TEST(JsonScanner, StopsAtEverySpecialByteWhereverItFallsInAWord) {
    const std::vector<std::string> specials = {"\"",   "\\",  "\\n", "\\u00e9", "\x01", "\x1f", " ",
                                               "\x7f", "\x80", "\xc3\xa9", "\xc3", "\xff", "\xed\xa0\x80",
                                               "\xf0\x9f\x98\x80"};
    for (std::size_t length = 0; length <= 20; ++length) {
        for (std::size_t at = 0; at <= length; ++at) {
            for (const std::string& special : specials) {
                std::string text(length, 'a');
                text.insert(at, special);
                for (const std::string& doc : {"{\"k\":\"" + text + "\"}", "{\"" + text + "\":1}"}) {
                    const bool accepted = error_of(doc).empty();
                    EXPECT_EQ(accepted, nlohmann::json::accept(doc)) << testing::PrintToString(doc);
                    if (accepted && doc[2] == 'k') {
                        const auto members = members_of(doc);
                        ASSERT_EQ(members.size(), 1u);
                        EXPECT_EQ(members[0].value, "\"" + text + "\"");
                    }
                }
            }
        }
    }
}

TEST(JsonScanner, DecodesEscapedKeysAndStrings) {
    const auto members = members_of(R"({"mod\u0065l":"\u00e9\ud83d\ude00\n"})");
    ASSERT_EQ(members.size(), 1u);
    EXPECT_TRUE(members[0].key_has_escapes);
    EXPECT_EQ(decode_key(members[0]), "model");
    EXPECT_EQ(decode_string(members[0].value), "\xc3\xa9\xf0\x9f\x98\x80\n");
}

TEST(JsonScanner, ParsesIntegersStrictly) {
    EXPECT_EQ(parse_integer("42"), 42);
    EXPECT_EQ(parse_integer("-1"), -1);
    EXPECT_FALSE(parse_integer("1.5"));
    EXPECT_FALSE(parse_integer("1e3"));
    EXPECT_FALSE(parse_integer("18446744073709551616"));
}

TEST(JsonScanner, QuotesStringsForSplicing) {
    std::string out;
    append_quoted(out, "a\"b\\c\nd\x01");
    EXPECT_EQ(out, R"("a\"b\\c\nd\u0001")");
}

}  // namespace
}  // namespace infergate::json
