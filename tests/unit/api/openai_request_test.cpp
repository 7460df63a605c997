#include "infergate/api/openai_request.hpp"

#include <gtest/gtest.h>

namespace infergate::api {
namespace {

ProxyRequest parsed(std::string_view body, Endpoint endpoint = Endpoint::chat_completions) {
    auto result = parse_proxy_request(body, endpoint);
    EXPECT_TRUE(std::holds_alternative<ProxyRequest>(result))
        << (std::holds_alternative<Error>(result) ? std::get<Error>(result).message : "");
    return std::holds_alternative<ProxyRequest>(result) ? std::get<ProxyRequest>(result) : ProxyRequest{};
}

Error rejected(std::string_view body, Endpoint endpoint = Endpoint::chat_completions) {
    auto result = parse_proxy_request(body, endpoint);
    EXPECT_TRUE(std::holds_alternative<Error>(result)) << body;
    return std::holds_alternative<Error>(result) ? std::get<Error>(result) : Error{};
}

TEST(OpenAIRequest, ReadsModelStreamAndUsageOption) {
    const auto request = parsed(
        R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[],"max_tokens":50})");
    EXPECT_EQ(request.model, "gpt-4o");
    EXPECT_EQ(request.model_token, "\"gpt-4o\"");
    EXPECT_TRUE(request.stream);
    EXPECT_TRUE(request.include_usage);
    EXPECT_EQ(request.max_tokens, 50);
}

TEST(OpenAIRequest, MaxCompletionTokensWins) {
    EXPECT_EQ(parsed(R"({"model":"m","messages":[],"max_tokens":5,"max_completion_tokens":9})").max_tokens, 9);
}

TEST(OpenAIRequest, RejectsWithClearCodesAndParams) {
    Error e = rejected(R"({"messages":[]})");
    EXPECT_EQ(e.status, 400u);
    EXPECT_EQ(e.code, "missing_required_parameter");
    EXPECT_EQ(e.param, "model");
    EXPECT_EQ(rejected(R"({"model":"","messages":[]})").code, "invalid_value");
    EXPECT_EQ(rejected(R"({"model":"m","messages":{}})").code, "invalid_type");
    EXPECT_EQ(rejected(R"({"model":"m"})").param, "messages");
    EXPECT_EQ(rejected(R"({"model":"m"})", Endpoint::completions).param, "prompt");
    EXPECT_EQ(rejected(R"({"model":"m"})", Endpoint::embeddings).param, "input");
    EXPECT_EQ(rejected(R"({"model":"m","input":"x","stream":true})", Endpoint::embeddings).param, "stream");
}

TEST(OpenAIRequest, RejectsNumbersOutOfRangeOrOfTheWrongKind) {
    for (const char* value : {"1e400", "18446744073709551616", "-1", "0", "1.5", "\"100\""}) {
        const std::string body = std::string(R"({"model":"m","messages":[],"max_tokens":)") + value + "}";
        EXPECT_EQ(rejected(body).param, "max_tokens") << value;
    }
}

TEST(OpenAIRequest, DuplicateKeysAreRejectedEvenWhenEscaped) {
    EXPECT_EQ(rejected(R"({"model":"a","model":"b","messages":[]})").code, "duplicate_key");
    EXPECT_EQ(rejected(R"({"model":"a","mod\u0065l":"b","messages":[]})").code, "duplicate_key");
    EXPECT_EQ(rejected(R"({"model":"a","messages":[],"x":1,"x":2})").code, "duplicate_key");
    EXPECT_EQ(rejected(R"({"model":"a","messages":[],"stream_options":{"include_usage":true,"include_usage":false}})").code,
              "duplicate_key");
}

TEST(OpenAIRequest, InvalidJsonSaysWhereAndWhy) {
    const Error e = rejected(R"({"model":"a",)");
    EXPECT_EQ(e.code, "invalid_json");
    EXPECT_NE(e.message.find("at byte"), std::string::npos);
}

TEST(OpenAIRequest, ReplaceModelSplicesOnlyTheModelToken) {
    const std::string body = R"({"x":"demo", "model" : "demo", "y":"demo"})";
    const auto request = parsed(body + "", Endpoint::models);
    auto result = parse_proxy_request(body, Endpoint::models);
    const auto& req = std::get<ProxyRequest>(result);
    EXPECT_EQ(replace_model(body, req.model_token, "up\"stream"),
              R"({"x":"demo", "model" : "up\"stream", "y":"demo"})");
    (void)request;
}

}  // namespace
}  // namespace infergate::api
