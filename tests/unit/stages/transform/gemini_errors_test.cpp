#include "infergate/stages/transform/gemini_errors.hpp"

#include <gtest/gtest.h>

namespace infergate::transform::gemini {
namespace {

std::string body(unsigned code, std::string_view status, std::string_view message) {
    return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + std::string(message) +
           R"(","status":")" + std::string(status) + R"("}})";
}

// Gemini's error `code` and `status` as the client sees them: HTTP status, type and code.
void expect_mapped(unsigned code, std::string_view status, unsigned client_status, std::string_view type,
                   std::string_view client_code) {
    const api::Error error = translate_error(code, body(code, status, "words"), "gemini");
    EXPECT_EQ(error.status, client_status) << status;
    EXPECT_EQ(error.type, type) << status;
    EXPECT_EQ(error.code, client_code) << status;
}

TEST(GeminiErrors, EachStatusHasItsClientStatusAndType) {
    expect_mapped(400, "INVALID_ARGUMENT", 400, "invalid_request_error", "invalid_request");
    expect_mapped(400, "FAILED_PRECONDITION", 400, "invalid_request_error", "invalid_request");
    expect_mapped(401, "UNAUTHENTICATED", 502, "server_error", "upstream_auth_failed");
    expect_mapped(403, "PERMISSION_DENIED", 502, "server_error", "upstream_auth_failed");
    expect_mapped(404, "NOT_FOUND", 404, "invalid_request_error", "not_found");
    expect_mapped(429, "RESOURCE_EXHAUSTED", 429, "rate_limit_exceeded", "rate_limit_exceeded");
    expect_mapped(500, "INTERNAL", 502, "server_error", "upstream_error");
    expect_mapped(503, "UNAVAILABLE", 503, "server_error", "provider_overloaded");
    expect_mapped(504, "DEADLINE_EXCEEDED", 504, "server_error", "upstream_timeout");
}

TEST(GeminiErrors, OnlyTheClientsMistakesQuoteGemini) {
    EXPECT_EQ(translate_error(400, body(400, "INVALID_ARGUMENT", "Invalid value at 'contents[0]'"), "g").message,
              "Invalid value at 'contents[0]'");
    EXPECT_EQ(translate_error(404, body(404, "NOT_FOUND", "models/gemini-9 is not found"), "g").message,
              "models/gemini-9 is not found");
    EXPECT_EQ(translate_error(403, body(403, "PERMISSION_DENIED", "key AIzaSy123 denied"), "g")
                  .message.find("AIza"), std::string::npos);
    EXPECT_EQ(translate_error(429, body(429, "RESOURCE_EXHAUSTED", "Quota 15 RPM exceeded"), "g")
                  .message.find("15 RPM"), std::string::npos);
    EXPECT_NE(translate_error(500, body(500, "INTERNAL", "x"), "gemini").message.find("`gemini`"), std::string::npos);
}

TEST(GeminiErrors, AnInvalidApiKeyIsTheGatewaysAuthFailureThoughGeminiSays400) {
    const api::Error error = translate_error(
        400,
        R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",)"
        R"("details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}})",
        "g");
    EXPECT_EQ(error.status, 502u);
    EXPECT_EQ(error.code, "upstream_auth_failed");
    EXPECT_EQ(error.message.find("API key not valid"), std::string::npos);
}

TEST(GeminiErrors, APromptOverTheTokenLimitIsAContextLengthError) {
    const api::Error error = translate_error(
        400, body(400, "INVALID_ARGUMENT", "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."),
        "g");
    EXPECT_EQ(error.status, 400u);
    EXPECT_EQ(error.code, "context_length_exceeded");
    EXPECT_EQ(error.param, "messages");
}

TEST(GeminiErrors, ABodyThatIsNotJsonIsJudgedByItsStatus) {
    const api::Error unavailable = translate_error(503, "<html>Service Unavailable</html>", "gemini");
    EXPECT_EQ(unavailable.status, 503u);
    EXPECT_EQ(unavailable.message.find("html"), std::string::npos);
    EXPECT_EQ(translate_error(401, "", "gemini").code, "upstream_auth_failed");
    EXPECT_EQ(translate_error(429, "", "gemini").status, 429u);
    EXPECT_EQ(translate_error(504, "", "gemini").code, "upstream_timeout");
    const api::Error bad_gateway = translate_error(502, "Bad Gateway", "gemini");
    EXPECT_EQ(bad_gateway.status, 502u);
    EXPECT_EQ(bad_gateway.code, "upstream_error");
    const api::Error teapot = translate_error(418, "I'm a teapot", "gemini");
    EXPECT_EQ(teapot.status, 400u);
    EXPECT_EQ(teapot.message.find("teapot"), std::string::npos);
}

TEST(GeminiErrors, AStreamErrorTakesItsCodeAsTheStatus) {
    EXPECT_EQ(translate_stream_error(body(503, "UNAVAILABLE", "overloaded"), "g").status, 503u);
    EXPECT_EQ(translate_stream_error(body(429, "RESOURCE_EXHAUSTED", "slow down"), "g").status, 429u);
    EXPECT_EQ(translate_stream_error(R"({"error":{"code":500,"message":"?"}})", "g").status, 502u);
    EXPECT_EQ(translate_stream_error(R"({"error":{"message":"?","status":"NEW_STATUS"}})", "g").status, 502u);
    EXPECT_EQ(translate_stream_error("not json", "g").status, 502u);
}

}  // namespace
}  // namespace infergate::transform::gemini
