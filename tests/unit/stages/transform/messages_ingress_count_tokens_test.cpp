#include "infergate/stages/transform/messages_ingress_count_tokens.hpp"

#include <gtest/gtest.h>

namespace infergate::transform::messages_ingress {
namespace {

TEST(MessagesIngressCountTokens, AnswersTheQuotaStagesEstimate) {
    const std::string body = R"({"model":"claude","messages":[{"role":"user","content":"Hello there"}]})";
    EXPECT_EQ(estimate_tokens(body), static_cast<std::int64_t>(body.size()) / 4 + 1);
    EXPECT_EQ(estimate_tokens(""), 1);
    auto result = count_tokens(body);
    ASSERT_TRUE(std::holds_alternative<std::string>(result));
    EXPECT_EQ(std::get<std::string>(result), R"({"input_tokens":)" + std::to_string(body.size() / 4 + 1) + "}");
}

TEST(MessagesIngressCountTokens, RefusesWhatIsNotARequest) {
    EXPECT_EQ(std::get<api::Error>(count_tokens("{")).code, "invalid_json");
    EXPECT_EQ(std::get<api::Error>(count_tokens(R"({"messages":[]})")).param, "model");
    EXPECT_EQ(std::get<api::Error>(count_tokens(R"({"model":"m","messages":"hi"})")).param, "messages");
}

}  // namespace
}  // namespace infergate::transform::messages_ingress
