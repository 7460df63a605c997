// The provider adapters end to end: an OpenAI-format client, the gateway, and llm-mock speaking
// Anthropic's Messages API or Azure OpenAI's deployment paths, all on real loopback sockets.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

using nlohmann::json;

std::string header_of(const llm_mock::RecordedRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
        if (beast::iequals(key, name)) return value;
    }
    return {};
}

bool has_header(const llm_mock::RecordedRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
        if (beast::iequals(key, name)) return true;
    }
    return false;
}

// The text a client reassembles from a chat.completion.chunk stream, and what else it saw.
struct Reassembled {
    std::string role, content, finish_reason;
    std::optional<json> usage;
    std::optional<json> error;
    bool done = false;
    std::size_t chunks = 0;
};

Reassembled reassemble(const std::string& body) {
    Reassembled out;
    for (const std::string& data : sse_data(body)) {
        EXPECT_FALSE(out.done) << "an event after [DONE]: " << data;
        if (data == "[DONE]") {
            out.done = true;
            continue;
        }
        const json chunk = json::parse(data);
        if (chunk.contains("error")) {
            out.error = chunk["error"];
            continue;
        }
        ++out.chunks;
        EXPECT_EQ(chunk["object"], "chat.completion.chunk") << data;
        if (chunk.contains("usage") && chunk["usage"].is_object()) out.usage = chunk["usage"];
        for (const json& choice : chunk["choices"]) {
            const json& delta = choice["delta"];
            if (delta.contains("role")) out.role = delta["role"];
            if (delta.contains("content") && delta["content"].is_string()) out.content += delta["content"];
            if (choice["finish_reason"].is_string()) out.finish_reason = choice["finish_reason"];
        }
    }
    return out;
}

class ProviderAdaptersTest : public ::testing::Test {
protected:
    // Backend "claude" (anthropic, on its own mock) serves model "demo" as claude-test, falling
    // back to "backup" on the OpenAI-compatible mock; "solo" has no fallback. Backend "azure"
    // (on the OpenAI-compatible mock) serves "azure-demo" from deployment gpt-dep; "gemini" (on
    // the same mock) serves "gem" as gemini-test.
    void start(const std::string& claude_extra = "", llm_mock::Options claude_options = {}) {
        claude_options.record = true;
        claude_ = std::make_unique<llm_mock::MockServer>(claude_options);
        claude_->start();
        llm_mock::Options options;
        options.record = true;
        mock_ = std::make_unique<llm_mock::MockServer>(options);
        mock_->start();
        const std::string url = "http://127.0.0.1:" + std::to_string(mock_->port());
        gateway_ = std::make_unique<TestGateway>(R"(server:
  listen: "127.0.0.1:0"
  workers: 2
log:
  level: warn
  access_log: { format: json }
backends:
  claude:
    url: "http://127.0.0.1:)" + std::to_string(claude_->port()) + R"("
    provider: anthropic
    api_key: "${TEST_BACKEND_KEY}"
)" + claude_extra + R"(
  azure:
    url: ")" + url + R"("
    provider: azure_openai
    api_key: "${TEST_BACKEND_KEY}"
  mock:
    url: ")" + url + R"("
    api_key: "${TEST_BACKEND_KEY}"
  gemini:
    url: ")" + url + R"("
    provider: gemini
    api_key: "${TEST_BACKEND_KEY}"
models:
  demo:
    targets: [ { backend: claude, model: claude-test } ]
    retry: { attempts: 1 }
    fallbacks: [ backup ]
  solo:
    targets: [ { backend: claude, model: claude-test } ]
    retry: { attempts: 1 }
  backup:
    targets: [ { backend: mock, model: mock-model } ]
  azure-demo:
    targets: [ { backend: azure, model: gpt-dep } ]
  gem:
    targets: [ { backend: gemini, model: gemini-test } ]
    retry: { attempts: 1 }
)");
    }
    std::uint16_t port() const { return gateway_->port(); }
    static llm_mock::RecordedRequest last_request(const llm_mock::MockServer& mock) {
        const auto requests = mock.requests();
        EXPECT_FALSE(requests.empty());
        return requests.empty() ? llm_mock::RecordedRequest{} : requests.back();
    }

    std::unique_ptr<llm_mock::MockServer> claude_;  // speaks Anthropic's Messages API
    std::unique_ptr<llm_mock::MockServer> mock_;    // OpenAI-compatible and Azure
    std::unique_ptr<TestGateway> gateway_;
};

const std::string kSoloChat = R"({"model":"solo","messages":[{"role":"user","content":"x"}]})";
const std::string kSoloStream = R"({"model":"solo","stream":true,"messages":[{"role":"user","content":"x"}]})";

TEST_F(ProviderAdaptersTest, AnthropicAnswersAChatCompletionInOpenAIFormat) {
    start("    default_max_tokens: 321\n");
    const HttpResult answer = post_json(port(), "/v1/chat/completions", R"({"model":"demo","messages":[
        {"role":"system","content":"Be brief."},{"role":"user","content":"Say something deterministic."}]})");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    EXPECT_EQ(answer.header("x-infergate-backend"), "claude");
    const json body = json::parse(answer.body);
    EXPECT_EQ(body["object"], "chat.completion");
    EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
    EXPECT_EQ(body["choices"][0]["message"]["content"], "mock reply 1 2 3 4 5 6");
    EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(body["usage"]["completion_tokens"], 8);
    EXPECT_EQ(body["usage"]["total_tokens"],
              body["usage"]["prompt_tokens"].get<int>() + body["usage"]["completion_tokens"].get<int>());

    // What Anthropic received: its own path, headers and body.
    const llm_mock::RecordedRequest sent = last_request(*claude_);
    EXPECT_EQ(sent.target, "/v1/messages");
    EXPECT_EQ(header_of(sent, "x-api-key"), kBackendCanary);
    EXPECT_EQ(header_of(sent, "anthropic-version"), "2023-06-01");
    EXPECT_FALSE(has_header(sent, "authorization"));
    const json messages = json::parse(sent.body);
    EXPECT_EQ(messages["model"], "claude-test");
    EXPECT_EQ(messages["system"], "Be brief.");
    EXPECT_EQ(messages["max_tokens"], 321);  // the backend's default: the client set none
    ASSERT_EQ(messages["messages"].size(), 1u);
    EXPECT_EQ(messages["messages"][0]["role"], "user");

    // The access log has the tokens Anthropic reported.
    std::string log;
    ASSERT_TRUE(eventually([&] {
        log = gateway_->access_log();
        return log.find("\"completion_tokens\":8") != std::string::npos;
    })) << log;
}

TEST_F(ProviderAdaptersTest, AnthropicStreamsAsChatCompletionChunks) {
    start();
    const HttpResult answer = post_json(port(), "/v1/chat/completions",
                                        R"({"model":"demo","stream":true,"max_tokens":50,
        "stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi there"}]})");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    EXPECT_TRUE(answer.complete);
    EXPECT_EQ(answer.header("content-type").rfind("text/event-stream", 0), 0u);
    const Reassembled stream = reassemble(answer.body);
    EXPECT_EQ(stream.role, "assistant");
    EXPECT_EQ(stream.content, "mock reply 1 2 3 4 5 6");
    EXPECT_EQ(stream.finish_reason, "stop");
    ASSERT_TRUE(stream.usage) << answer.body;
    EXPECT_EQ((*stream.usage)["completion_tokens"], 8);
    EXPECT_TRUE(stream.done);
    EXPECT_FALSE(stream.error);
    const json sent = json::parse(last_request(*claude_).body);
    EXPECT_EQ(sent["stream"], true);
    EXPECT_EQ(sent["max_tokens"], 50);
    EXPECT_FALSE(sent.contains("stream_options"));  // not Anthropic's; its streams carry usage
}

TEST_F(ProviderAdaptersTest, AnthropicStreamUsageIsCountedWithoutShowingTheClient) {
    start();
    const HttpResult answer = post_json(port(), "/v1/chat/completions",
                                        R"({"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]})",
                                        {{"x-mock-chunks", "5"}, {"x-mock-fault", "split-events"}});
    ASSERT_EQ(answer.status, 200u) << answer.body;
    const Reassembled stream = reassemble(answer.body);
    EXPECT_EQ(stream.content, "mock reply 1 2 3");  // events split across reads reassemble
    EXPECT_FALSE(stream.usage);
    EXPECT_TRUE(stream.done);
    std::string log;
    ASSERT_TRUE(eventually([&] {
        log = gateway_->access_log();
        return log.find("\"completion_tokens\":5") != std::string::npos;
    })) << log;
}

TEST_F(ProviderAdaptersTest, AnthropicOverloadedIsA503ThatFallsBack) {
    llm_mock::Options overloaded;
    overloaded.status = 529;  // Anthropic's overloaded_error, for every request
    start("", overloaded);
    const HttpResult solo = post_json(port(), "/v1/chat/completions", kSoloChat);
    EXPECT_EQ(solo.status, 503u) << solo.body;
    EXPECT_EQ(json::parse(solo.body)["error"]["code"], "provider_overloaded");
    EXPECT_EQ(solo.header("retry-after"), "1");
    // A 503 is what fallbacks act on: the OpenAI-compatible backup answers.
    const HttpResult fell = post_json(port(), "/v1/chat/completions",
                                      R"({"model":"demo","messages":[{"role":"user","content":"x"}]})");
    EXPECT_EQ(fell.status, 200u) << fell.body;
    EXPECT_EQ(fell.header("x-infergate-backend"), "mock");
    EXPECT_EQ(json::parse(fell.body)["model"], "mock-model");
}

TEST_F(ProviderAdaptersTest, AnErrorEventBeforeAnyOutputReachedTheClientIsRetriedElsewhere) {
    llm_mock::Options failing;
    failing.fault = "error-event";  // message_start, the block's start, one word, overloaded_error
    start("", failing);
    // All of it arrives at once: nothing has reached the client when the error comes, so the
    // stream is answered by the fallback, whole, as if Claude had refused at once.
    const HttpResult answer = post_json(port(), "/v1/chat/completions",
                                        R"({"model":"demo","stream":true,"messages":[{"role":"user","content":"x"}]})");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    EXPECT_EQ(answer.header("x-infergate-backend"), "mock");
    const Reassembled stream = reassemble(answer.body);
    EXPECT_EQ(stream.content, "mock reply 1 2 3 4 5 6");
    EXPECT_TRUE(stream.done);
    EXPECT_FALSE(stream.error);
    // Without a fallback it is a plain 503.
    const HttpResult solo = post_json(port(), "/v1/chat/completions", kSoloStream);
    EXPECT_EQ(solo.status, 503u) << solo.body;
    EXPECT_EQ(json::parse(solo.body)["error"]["code"], "provider_overloaded");
}

TEST_F(ProviderAdaptersTest, AnthropicErrorsKeepTheirMeaning) {
    start();
    const HttpResult bad = post_json(port(), "/v1/chat/completions", kSoloChat, {{"x-mock-status", "400"}});
    EXPECT_EQ(bad.status, 400u) << bad.body;
    EXPECT_EQ(json::parse(bad.body)["error"]["type"], "invalid_request_error");
    const HttpResult limited = post_json(port(), "/v1/chat/completions", kSoloChat, {{"x-mock-status", "429"}});
    EXPECT_EQ(limited.status, 429u) << limited.body;
    EXPECT_EQ(limited.header("retry-after"), "1");
    // The gateway's own key refused: never the client's fault, never Anthropic's words.
    const HttpResult refused = post_json(port(), "/v1/chat/completions", kSoloChat, {{"x-mock-status", "401"}});
    EXPECT_EQ(refused.status, 502u) << refused.body;
    EXPECT_EQ(json::parse(refused.body)["error"]["code"], "upstream_auth_failed");
}

TEST_F(ProviderAdaptersTest, AnErrorAfterOutputCutsTheStream) {
    start();
    // Each event arrives on its own: the first word reaches the client before the error, so
    // the stream ends with an OpenAI error event and no [DONE].
    const HttpResult cut = post_json(port(), "/v1/chat/completions", kSoloStream,
                                     {{"x-mock-fault", "error-event"}, {"x-mock-delay-ms", "30"}});
    ASSERT_EQ(cut.status, 200u) << cut.body;
    const Reassembled stream = reassemble(cut.body);
    EXPECT_EQ(stream.content, "mock");
    ASSERT_TRUE(stream.error) << cut.body;
    EXPECT_EQ((*stream.error)["code"], "provider_overloaded");
    EXPECT_FALSE(stream.done);

    // A stream that ends without message_stop was cut too.
    const HttpResult truncated = post_json(port(), "/v1/chat/completions", kSoloStream,
                                           {{"x-mock-fault", "truncate-stream"}, {"x-mock-delay-ms", "30"}});
    const Reassembled partial = reassemble(truncated.body);
    EXPECT_EQ(partial.content, "mock");
    EXPECT_TRUE(partial.error) << truncated.body;
    EXPECT_FALSE(partial.done);

    // The gateway keeps serving, and the next stream is whole.
    const HttpResult whole = post_json(port(), "/v1/chat/completions", kSoloStream);
    EXPECT_TRUE(reassemble(whole.body).done) << whole.body;
}

TEST_F(ProviderAdaptersTest, WhatAnthropicCannotDoIsRefusedBeforeItIsSent) {
    start();
    const HttpResult embeddings = post_json(port(), "/v1/embeddings", R"({"model":"solo","input":"x"})");
    EXPECT_EQ(embeddings.status, 400u) << embeddings.body;
    EXPECT_EQ(json::parse(embeddings.body)["error"]["code"], "unsupported_endpoint");
    const HttpResult two = post_json(port(), "/v1/chat/completions",
                                     R"({"model":"solo","n":2,"messages":[{"role":"user","content":"x"}]})");
    EXPECT_EQ(two.status, 400u) << two.body;
    EXPECT_EQ(json::parse(two.body)["error"]["param"], "n");
    EXPECT_TRUE(claude_->requests().empty());
}

TEST_F(ProviderAdaptersTest, AzureAddressesTheDeploymentWithItsApiKeyHeader) {
    start();
    const HttpResult answer = post_json(port(), "/v1/chat/completions",
                                        R"({"model":"azure-demo","messages":[{"role":"user","content":"x"}]})");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    EXPECT_EQ(json::parse(answer.body)["choices"][0]["message"]["content"], "mock reply 1 2 3 4 5 6");
    const llm_mock::RecordedRequest sent = last_request(*mock_);
    EXPECT_EQ(sent.target, "/openai/deployments/gpt-dep/chat/completions?api-version=2024-10-21");
    EXPECT_EQ(header_of(sent, "api-key"), kBackendCanary);
    EXPECT_FALSE(has_header(sent, "authorization"));

    const HttpResult embedded = post_json(port(), "/v1/embeddings", R"({"model":"azure-demo","input":"x"})");
    EXPECT_EQ(embedded.status, 200u) << embedded.body;
    EXPECT_EQ(last_request(*mock_).target, "/openai/deployments/gpt-dep/embeddings?api-version=2024-10-21");
}

TEST_F(ProviderAdaptersTest, GeminiAnswersAndStreamsInOpenAIFormat) {
    start();
    const HttpResult answer = post_json(port(), "/v1/chat/completions",
                                        R"({"model":"gem","messages":[{"role":"system","content":"Be brief."},
        {"role":"user","content":"Say something deterministic."}]})");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    const json body = json::parse(answer.body);
    EXPECT_EQ(body["object"], "chat.completion");
    EXPECT_EQ(body["choices"][0]["message"]["content"], "mock reply 1 2 3 4 5 6");
    EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(body["usage"]["completion_tokens"], 8);
    const llm_mock::RecordedRequest sent = last_request(*mock_);
    EXPECT_EQ(sent.target, "/v1beta/models/gemini-test:generateContent");
    EXPECT_EQ(header_of(sent, "x-goog-api-key"), kBackendCanary);
    EXPECT_FALSE(has_header(sent, "authorization"));
    const json request = json::parse(sent.body);
    EXPECT_EQ(request["systemInstruction"]["parts"][0]["text"], "Be brief.");
    EXPECT_EQ(request["contents"][0]["role"], "user");

    const HttpResult streamed = post_json(port(), "/v1/chat/completions",
                                          R"({"model":"gem","stream":true,"stream_options":{"include_usage":true},
        "messages":[{"role":"user","content":"x"}]})");
    ASSERT_EQ(streamed.status, 200u) << streamed.body;
    EXPECT_EQ(last_request(*mock_).target, "/v1beta/models/gemini-test:streamGenerateContent?alt=sse");
    const Reassembled stream = reassemble(streamed.body);
    EXPECT_EQ(stream.content, "mock reply 1 2 3 4 5 6");
    EXPECT_EQ(stream.finish_reason, "stop");
    ASSERT_TRUE(stream.usage) << streamed.body;
    EXPECT_EQ((*stream.usage)["completion_tokens"], 8);
    EXPECT_TRUE(stream.done);

    // Gemini's UNAVAILABLE is a 503; a stream cut before its finishReason ends in an error.
    const HttpResult unavailable = post_json(port(), "/v1/chat/completions",
                                             R"({"model":"gem","messages":[{"role":"user","content":"x"}]})",
                                             {{"x-mock-status", "503"}});
    EXPECT_EQ(unavailable.status, 503u) << unavailable.body;
    const HttpResult cut = post_json(port(), "/v1/chat/completions",
                                     R"({"model":"gem","stream":true,"messages":[{"role":"user","content":"x"}]})",
                                     {{"x-mock-fault", "truncate-stream"}, {"x-mock-delay-ms", "20"}});
    const Reassembled partial = reassemble(cut.body);
    EXPECT_EQ(partial.content, "mock reply");
    EXPECT_TRUE(partial.error) << cut.body;
    EXPECT_FALSE(partial.done);
}

// What an Anthropic SDK client reassembles from a Messages stream.
struct MessagesStream {
    std::vector<std::string> types;  // the events' `type`, in order
    std::string text;
    std::string stop_reason;
    json usage;
};

MessagesStream read_messages_stream(const std::string& body) {
    MessagesStream out;
    for (const std::string& data : sse_data(body)) {
        const json event = json::parse(data);
        out.types.push_back(event["type"]);
        if (event["type"] == "content_block_delta" && event["delta"]["type"] == "text_delta") {
            out.text += event["delta"]["text"];
        }
        if (event["type"] == "message_delta") {
            out.stop_reason = event["delta"]["stop_reason"];
            out.usage = event["usage"];
        }
    }
    return out;
}

TEST_F(ProviderAdaptersTest, AnAnthropicClientIsServedByAnOpenAIBackend) {
    start();
    const std::string question =
        R"({"model":"backup","max_tokens":100,"system":"Be brief.","messages":[{"role":"user","content":"hi"}]})";
    const HttpResult answer = post_json(port(), "/v1/messages", question, {{"anthropic-version", "2023-06-01"}});
    ASSERT_EQ(answer.status, 200u) << answer.body;
    const json message = json::parse(answer.body);
    EXPECT_EQ(message["type"], "message");
    EXPECT_EQ(message["role"], "assistant");
    EXPECT_EQ(message["content"][0]["type"], "text");
    EXPECT_EQ(message["content"][0]["text"], "mock reply 1 2 3 4 5 6");
    EXPECT_EQ(message["stop_reason"], "end_turn");
    EXPECT_EQ(message["usage"]["output_tokens"], 8);
    const llm_mock::RecordedRequest sent = last_request(*mock_);
    EXPECT_EQ(sent.target, "/v1/chat/completions");
    const json chat = json::parse(sent.body);
    EXPECT_EQ(chat["model"], "mock-model");  // routed and renamed like any request
    EXPECT_EQ(chat["messages"][0]["role"], "system");
    EXPECT_EQ(chat["max_tokens"], 100);

    const std::string streamed_question =
        R"({"model":"backup","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
    const HttpResult streamed = post_json(port(), "/v1/messages", streamed_question);
    ASSERT_EQ(streamed.status, 200u) << streamed.body;
    const MessagesStream stream = read_messages_stream(streamed.body);
    ASSERT_FALSE(stream.types.empty()) << streamed.body;
    EXPECT_EQ(stream.types.front(), "message_start");
    EXPECT_EQ(stream.types.back(), "message_stop");
    EXPECT_EQ(stream.text, "mock reply 1 2 3 4 5 6");
    EXPECT_EQ(stream.stop_reason, "end_turn");
    EXPECT_EQ(stream.usage["output_tokens"], 8);
    EXPECT_EQ(streamed.body.find("[DONE]"), std::string::npos);
}

TEST_F(ProviderAdaptersTest, AnAnthropicClientOfAnAnthropicBackendIsRelayedAsItIs) {
    start();
    const HttpResult answer = post_json(port(), "/v1/messages",
                                        R"({"model":"solo","max_tokens":64,"messages":[{"role":"user","content":"hi"}]})");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    const json message = json::parse(answer.body);
    EXPECT_EQ(message["type"], "message");
    EXPECT_EQ(message["model"], "claude-test");
    const llm_mock::RecordedRequest sent = last_request(*claude_);
    EXPECT_EQ(sent.target, "/v1/messages");
    EXPECT_EQ(json::parse(sent.body),
              json::parse(R"({"model":"claude-test","max_tokens":64,"messages":[{"role":"user","content":"hi"}]})"));
    EXPECT_EQ(header_of(sent, "x-api-key"), kBackendCanary);

    const HttpResult streamed = post_json(port(), "/v1/messages",
                                          R"({"model":"solo","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]})");
    const MessagesStream stream = read_messages_stream(streamed.body);
    EXPECT_EQ(stream.text, "mock reply 1 2 3 4 5 6");
    EXPECT_EQ(stream.types.back(), "message_stop");
    std::string log;  // the usage Anthropic reported, streamed or not, reached the access log
    auto count_of = [](const std::string& text, const std::string& what) {
        std::size_t count = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
        return count;
    };
    ASSERT_TRUE(eventually([&] {
        log = gateway_->access_log();
        return count_of(log, "\"completion_tokens\":8") >= 2;
    })) << log;
}

TEST_F(ProviderAdaptersTest, AnAnthropicClientGetsErrorsInAnthropicsShape) {
    start();
    const HttpResult unknown = post_json(port(), "/v1/messages",
                                         R"({"model":"nope","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
    EXPECT_EQ(unknown.status, 404u) << unknown.body;
    EXPECT_EQ(json::parse(unknown.body)["type"], "error");
    EXPECT_EQ(json::parse(unknown.body)["error"]["type"], "not_found_error");
    const HttpResult no_max = post_json(port(), "/v1/messages",
                                        R"({"model":"backup","messages":[{"role":"user","content":"x"}]})");
    EXPECT_EQ(no_max.status, 400u) << no_max.body;
    EXPECT_EQ(json::parse(no_max.body)["error"]["type"], "invalid_request_error");
    const HttpResult overloaded = post_json(port(), "/v1/messages",
                                            R"({"model":"backup","max_tokens":5,"messages":[{"role":"user","content":"x"}]})",
                                            {{"x-mock-status", "503"}});
    EXPECT_EQ(overloaded.status, 503u) << overloaded.body;
    EXPECT_EQ(json::parse(overloaded.body)["error"]["type"], "overloaded_error");

    const HttpResult counted = post_json(port(), "/v1/messages/count_tokens",
                                         R"({"model":"backup","messages":[{"role":"user","content":"count these words"}]})");
    ASSERT_EQ(counted.status, 200u) << counted.body;
    EXPECT_GT(json::parse(counted.body)["input_tokens"].get<int>(), 0);
}

}  // namespace
}  // namespace infergate::testing
