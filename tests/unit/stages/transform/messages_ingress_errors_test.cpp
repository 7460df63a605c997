#include "infergate/stages/transform/messages_ingress_errors.hpp"

#include <utility>

#include <gtest/gtest.h>

namespace infergate::transform::messages_ingress {
namespace {

api::Error with_status(unsigned status) { return {status, "m", "t", "c", {}}; }

TEST(MessagesIngressErrors, TheTypeFollowsTheStatus) {
    const std::pair<unsigned, std::string_view> expected[] = {
        {400, "invalid_request_error"}, {422, "invalid_request_error"}, {401, "authentication_error"},
        {403, "permission_error"},      {404, "not_found_error"},       {413, "request_too_large"},
        {429, "rate_limit_error"},      {503, "overloaded_error"},      {529, "overloaded_error"},
        {500, "api_error"},             {502, "api_error"},             {504, "api_error"},
    };
    for (const auto& [status, type] : expected) EXPECT_EQ(error_type(with_status(status)), type) << status;
}

TEST(MessagesIngressErrors, RendersAnthropicsShapeWithoutParamOrCode) {
    const api::Error error = api::invalid_request("Missing \"max_tokens\".", "max_tokens", "missing_required_parameter");
    EXPECT_EQ(render_error_body(error),
              R"({"type":"error","error":{"type":"invalid_request_error","message":"Missing \"max_tokens\"."}})");
    std::string out = "before\n\n";
    append_error_event(out, api::rate_limited("Slow down."));
    EXPECT_EQ(out, "before\n\nevent: error\n"
                   R"(data: {"type":"error","error":{"type":"rate_limit_error","message":"Slow down."}})"
                   "\n\n");
}

TEST(MessagesIngressErrors, ABackendsStreamErrorKeepsItsMessageAndGetsAStatus) {
    const api::Error overloaded =
        stream_error(R"({"message":"busy","type":"server_error","param":null,"code":"provider_overloaded"})", "b");
    EXPECT_EQ(overloaded.status, 503u);
    EXPECT_EQ(overloaded.message, "busy");
    EXPECT_EQ(overloaded.code, "provider_overloaded");
    EXPECT_EQ(stream_error(R"({"message":"x","type":"requests","code":"rate_limit_exceeded"})", "b").status, 429u);
    EXPECT_EQ(stream_error(R"({"message":"x","type":"invalid_request_error"})", "b").status, 400u);
    const api::Error unknown = stream_error(R"({"code":null})", "vllm-a");
    EXPECT_EQ(unknown.status, 502u);
    EXPECT_EQ(unknown.code, "upstream_error");
    EXPECT_EQ(unknown.message, "The upstream backend `vllm-a` failed during the stream.");
    EXPECT_EQ(stream_error("not json", "b").status, 502u);
}

}  // namespace
}  // namespace infergate::transform::messages_ingress
