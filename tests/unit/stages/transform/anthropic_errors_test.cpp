#include "infergate/stages/transform/anthropic_errors.hpp"

#include <gtest/gtest.h>

namespace infergate::transform::anthropic {
namespace {

std::string body(std::string_view type, std::string_view message) {
    return std::string(R"({"type":"error","error":{"type":")") + std::string(type) + R"(","message":")" +
           std::string(message) + R"("},"request_id":"req_1"})";
}

TEST(AnthropicErrors, OverloadedIsARetryable503) {
    const api::Error error = translate_error(529, body("overloaded_error", "Overloaded"), "anthropic");
    EXPECT_EQ(error.status, 503u);
    EXPECT_EQ(error.type, "server_error");
    EXPECT_EQ(error.code, "provider_overloaded");
    EXPECT_NE(error.message.find("`anthropic`"), std::string::npos);
}

TEST(AnthropicErrors, EachTypeHasItsStatusAndType) {
    struct Case {
        unsigned status;
        const char* type;
        unsigned want_status;
        const char* want_type;
        const char* want_code;
    };
    const Case cases[] = {
        {400, "invalid_request_error", 400, "invalid_request_error", "invalid_request"},
        {401, "authentication_error", 502, "server_error", "upstream_auth_failed"},
        {403, "permission_error", 502, "server_error", "upstream_auth_failed"},
        {402, "billing_error", 502, "server_error", "upstream_billing_error"},
        {404, "not_found_error", 404, "invalid_request_error", "not_found"},
        {413, "request_too_large", 413, "invalid_request_error", "request_too_large"},
        {429, "rate_limit_error", 429, "rate_limit_exceeded", "rate_limit_exceeded"},
        {500, "api_error", 502, "server_error", "upstream_error"},
        {504, "timeout_error", 504, "server_error", "upstream_timeout"},
    };
    for (const Case& c : cases) {
        const api::Error error = translate_error(c.status, body(c.type, "words"), "anthropic");
        EXPECT_EQ(error.status, c.want_status) << c.type;
        EXPECT_EQ(error.type, c.want_type) << c.type;
        EXPECT_EQ(error.code, c.want_code) << c.type;
    }
}

TEST(AnthropicErrors, OnlyTheClientsMistakesQuoteAnthropic) {
    EXPECT_EQ(translate_error(400, body("invalid_request_error", "messages: roles must alternate"), "a").message,
              "messages: roles must alternate");
    EXPECT_EQ(translate_error(401, body("authentication_error", "invalid x-api-key sk-ant-123"), "a")
                  .message.find("sk-ant"), std::string::npos);
    EXPECT_EQ(translate_error(429, body("rate_limit_error", "Your org limit is 50 RPM"), "a")
                  .message.find("50 RPM"), std::string::npos);
}

TEST(AnthropicErrors, APromptTooLongIsAContextLengthError) {
    const api::Error error =
        translate_error(400, body("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"), "a");
    EXPECT_EQ(error.status, 400u);
    EXPECT_EQ(error.code, "context_length_exceeded");
}

TEST(AnthropicErrors, ABodyThatIsNotJsonIsJudgedByItsStatus) {
    const api::Error overloaded = translate_error(529, "<html>Overloaded</html>", "anthropic");
    EXPECT_EQ(overloaded.status, 503u);
    EXPECT_EQ(overloaded.message.find("html"), std::string::npos);
    const api::Error gateway = translate_error(503, "Service Unavailable", "anthropic");
    EXPECT_EQ(gateway.status, 503u);
    EXPECT_EQ(gateway.code, "upstream_error");
    const api::Error teapot = translate_error(418, "", "anthropic");
    EXPECT_EQ(teapot.status, 400u);
    EXPECT_EQ(teapot.type, "invalid_request_error");
    EXPECT_EQ(translate_error(429, "", "anthropic").status, 429u);
}

TEST(AnthropicErrors, AStreamErrorTakesItsTypesStatus) {
    EXPECT_EQ(translate_stream_error(body("overloaded_error", "Overloaded"), "a").status, 503u);
    EXPECT_EQ(translate_stream_error(body("rate_limit_error", "slow down"), "a").status, 429u);
    EXPECT_EQ(translate_stream_error(body("new_error_kind", "?"), "a").status, 502u);
    EXPECT_EQ(translate_stream_error("not json", "a").status, 502u);
}

}  // namespace
}  // namespace infergate::transform::anthropic
