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

TEST(OpenAIRequest, ReadsTheNumberOfChoices) {
    EXPECT_EQ(parsed(R"({"model":"m","messages":[]})").choices, 1);
    EXPECT_EQ(parsed(R"({"model":"m","messages":[],"n":null})").choices, 1);
    EXPECT_EQ(parsed(R"({"model":"m","messages":[],"n":12})").choices, 12);
    for (const char* value : {"0", "-3", "2.5", "\"2\"", "1e3", "9223372036854775808"}) {
        EXPECT_EQ(rejected(std::string(R"({"model":"m","messages":[],"n":)") + value + "}").param, "n") << value;
    }
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

TEST(OpenAIRequest, RoutingOverridesAreRefusedAtTheTopAndInsideMergedContainers) {
    for (const char* fields : {R"("api_base":"http://x")", R"("Base_URL":"http://x")", R"("api_key":"k")",
                               R"("vertex_endpoint":"x")", R"("api\u005fkey":"k")",
                               R"("extra_body":{"a":{"b":[{"api_base":"x"}]}})", R"("metadata":{"ENDPOINT":"x"})"}) {
        const Error e = rejected(std::string(R"({"model":"m","messages":[],)") + fields + "}");
        EXPECT_EQ(e.code, "unsupported_parameter") << fields;
        EXPECT_EQ(e.message.find("http://x"), std::string::npos);
    }
    EXPECT_EQ(rejected(R"({"model":"m","messages":[],"metadata":{"api_key":"k"}})").param, "metadata");
    // Values, and keys in the caller's own schemas, are not overrides.
    parsed(R"({"model":"m","messages":[],"metadata":{"note":"api_base"},"user":"endpoint",)"
           R"("response_format":{"type":"json_schema","json_schema":{"schema":{"properties":{"api_key":{}}}}}})");
    // A long name is quoted short.
    const std::string long_name(10000, 'e');
    EXPECT_LT(rejected(R"({"model":"m","messages":[],")" + long_name + R"(endpoint":1})").message.size(), 300u);
}

// True when `token` is a view into `body`, not a copy.
bool points_into(std::string_view token, std::string_view body) {
    return token.data() >= body.data() && token.data() + token.size() <= body.data() + body.size();
}

TEST(OpenAIRequest, PromptTokenIsTheRawValueOfWhatTheModelReadsFirst) {
    const std::string chat =
        R"({"model":"m", "messages" : [ {"role":"system","content":"Be \"brief\"."} ],"n":1})";
    const auto chat_request = parsed(chat);
    EXPECT_EQ(chat_request.prompt_token, R"([ {"role":"system","content":"Be \"brief\"."} ])");
    EXPECT_TRUE(points_into(chat_request.prompt_token, chat));

    const std::string completion = R"({"prompt":"Once upon","model":"m"})";
    const auto completion_request = parsed(completion, Endpoint::completions);
    EXPECT_EQ(completion_request.prompt_token, R"("Once upon")");
    EXPECT_TRUE(points_into(completion_request.prompt_token, completion));

    const std::string embedding = R"({"model":"m","input":["a","b"]})";
    EXPECT_EQ(parsed(embedding, Endpoint::embeddings).prompt_token, R"(["a","b"])");
}

TEST(OpenAIRequest, PromptTokenFollowsTheEndpointAndEscapedKeys) {
    // Only the endpoint's own field counts: a chat body's stray "prompt" is not its prompt.
    EXPECT_EQ(parsed(R"({"model":"m","prompt":"p","messages":[1]})").prompt_token, "[1]");
    EXPECT_EQ(parsed(R"({"model":"m","mess\u0061ges":[2]})").prompt_token, "[2]");
    EXPECT_EQ(parsed(R"({"model":"m","messages":[]})", Endpoint::models).prompt_token, "");
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
