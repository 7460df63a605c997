// Request framing and smuggling on a real socket (catalogue §3.1 F1–F17, §3.2 S1–S3): exact
// bytes in, and for each case the answer's status and error code, the number of responses,
// that the gateway closed the connection, and what the upstream received. Then the §3.0
// invariants: the gateway still serves, and the framing counters moved.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "mock_server.hpp"
#include "support/http_client.hpp"
#include "support/mocked_gateway_test.hpp"
#include "support/test_gateway.hpp"

namespace infergate::testing {
namespace {

struct Case {
    const char* row;
    std::vector<std::string> writes;  // sent as separate TCP writes
    std::string status;               // of the first response, e.g. "400"
    std::string code;                 // its error code; empty for a success
    std::size_t responses = 1;
    std::size_t upstream = 0;  // requests the upstream must receive
};

const std::string kChat = R"({"model":"demo","messages":[{"role":"user","content":"hi"}]})";
const std::string kChunked = "Transfer-Encoding: chunked\r\n";

// A chat request head, `fields` last. Every case ends with the gateway closing.
std::string chat(const std::string& fields, const std::string& version = "HTTP/1.1") {
    return "POST /v1/chat/completions " + version +
           "\r\nHost: gw\r\nContent-Type: application/json\r\nConnection: close\r\n"
           "X-Client-Key: " +
           std::string(kClientCanary) + "\r\n" + fields + "\r\n";
}
std::string length(const std::string& body) {
    return "Content-Length: " + std::to_string(body.size()) + "\r\n";
}
std::string hex(std::size_t n) {
    std::ostringstream out;
    out << std::hex << n;
    return out.str();
}
std::string chunk(const std::string& data) { return hex(data.size()) + "\r\n" + data + "\r\n"; }
std::string raw_get(const std::string& target, const std::string& fields = "Host: gw\r\n") {
    return "GET " + target + " HTTP/1.1\r\n" + fields + "Connection: close\r\n\r\n";
}
const std::string kChunkedChat = chunk(kChat) + "0\r\n\r\n";

// clang-format off
std::vector<Case> cases() {
    const std::string big(2 << 20, 'x');
    const std::string trailer_70k = "X-T: " + std::string(70 << 10, 'x') + "\r\n";
    std::string many_fields;
    for (int i = 0; i < 10000; ++i) many_fields += "a: b\r\n";
    return {
        {"F1 CL.TE", {chat("Content-Length: 6\r\n" + kChunked) + "0\r\n\r\nX"}, "400", "bad_request"},
        {"F2 TE.CL", {chat(kChunked + "Content-Length: 4\r\n") + "8\r\nSMUGGLED\r\n0\r\n\r\n"}, "400", "bad_request"},
        {"F3 chunked, identity", {chat("Transfer-Encoding: chunked, identity\r\n") + kChunkedChat}, "400", "bad_request"},
        {"F3 xchunked", {chat("Transfer-Encoding: xchunked\r\n") + kChunkedChat}, "400", "bad_request"},
        {"F3 identity + chunked", {chat("Transfer-Encoding: identity\r\n" + kChunked) + kChunkedChat}, "400", "bad_request"},
        {"F3 chunked;x=1", {chat("Transfer-Encoding: chunked;x=1\r\n") + kChunkedChat}, "400", "bad_request"},
        {"F3 CHUNKED + OWS", {chat("Transfer-Encoding:  CHUNKED \r\n") + kChunkedChat}, "200", "", 1, 1},
        {"F4 gzip, chunked", {chat("Transfer-Encoding: gzip, chunked\r\n") + kChunkedChat}, "501",
         "unsupported_transfer_encoding"},
        {"F4 gzip", {chat("Transfer-Encoding: gzip\r\n") + kChat}, "400", "bad_request"},
        {"F5 HTTP/1.0 + TE", {chat(kChunked, "HTTP/1.0") + kChunkedChat}, "400", "bad_request"},
        {"F6 CL twice, equal", {chat(length(kChat) + length(kChat)) + kChat}, "400", "bad_request"},
        {"F6 CL twice, different", {chat(length(kChat) + "Content-Length: 1\r\n") + kChat}, "400", "bad_request"},
        {"F6 CL list", {chat("Content-Length: 5, 5\r\n") + "hello"}, "400", "bad_request"},
        {"F6 CL +5", {chat("Content-Length: +5\r\n") + "hello"}, "400", "bad_request"},
        {"F6 CL 0x5", {chat("Content-Length: 0x5\r\n") + "hello"}, "400", "bad_request"},
        {"F6 CL -1", {chat("Content-Length: -1\r\n")}, "400", "bad_request"},
        {"F6 CL 2^64+5", {chat("Content-Length: 18446744073709551621\r\n") + "hello"}, "400", "bad_request"},
        {"F6 CL empty", {chat("Content-Length: \r\n")}, "400", "bad_request"},
        {"F7 obs-fold", {chat(length(kChat) + "X-Foo: a\r\n b\r\n") + kChat}, "400", "bad_request"},
        {"F7 obs-fold TE", {chat("Transfer-Encoding:\r\n chunked\r\n") + kChunkedChat}, "400", "bad_request"},
        {"F8 space before colon", {chat("Transfer-Encoding : chunked\r\n") + kChunkedChat}, "400", "bad_request"},
        {"F8 HT-led TE line", {chat(length(kChat) + "X-Foo: a\r\n\tTransfer-Encoding: chunked\r\n") + kChat}, "400",
         "bad_request"},
        {"F8 Transfer_Encoding", {chat(length(kChat) + "Transfer_Encoding: chunked\r\n") + kChat}, "400", "bad_request"},
        {"F8 \\x01 before name", {chat("\x01" "Content-Length: 5\r\n") + "hello"}, "400", "bad_request"},
        {"F8 non-ASCII name", {chat("Tr\xc3\xa4nsfer-Encoding: chunked\r\n") + kChunkedChat}, "400", "bad_request"},
        {"F9 LF only", {"GET /healthz HTTP/1.1\nHost: gw\n\n"}, "400", "bad_request"},
        {"F9 LF blank line", {"GET /healthz HTTP/1.1\r\nHost: gw\r\n\n"}, "400", "bad_request"},
        {"F9 CR in value", {raw_get("/healthz", "Host: gw\r\nX: a\rb\r\n")}, "400", "bad_request"},
        {"F9 NUL in value", {raw_get("/healthz", std::string("Host: gw\r\nX: a\0b\r\n", 17))}, "400", "bad_request"},
        {"F9 DEL in value", {raw_get("/healthz", "Host: gw\r\nX: a\x7f" "b\r\n")}, "400", "bad_request"},
        {"F10 size > 2^64", {chat(kChunked) + "fffffffffffffffff1\r\nhello\r\n0\r\n\r\n"}, "400", "bad_request"},
        {"F10 size -5", {chat(kChunked) + "-5\r\nhello\r\n0\r\n\r\n"}, "400", "bad_request"},
        {"F10 size 0x5", {chat(kChunked) + "0x5\r\nhello\r\n0\r\n\r\n"}, "400", "bad_request"},
        {"F10 size ' 5'", {chat(kChunked) + " 5\r\nhello\r\n0\r\n\r\n"}, "400", "bad_request"},
        {"F10 size '5 '", {chat(kChunked) + "5 \r\nhello\r\n0\r\n\r\n"}, "400", "bad_request"},
        {"F10 size < data", {chat(kChunked) + "3\r\nhello\r\n0\r\n\r\n"}, "400", "bad_request"},
        {"F10 LF-only chunk lines", {chat(kChunked) + "5\nhello\n0\n\n"}, "400", "bad_request"},
        // An unfinished body is not malformed, only late.
        {"F10 no final CRLF", {chat(kChunked) + chunk(kChat) + "0\r\n"}, "408", "request_timeout"},
        {"F11 2 MiB extension", {chat(kChunked), hex(kChat.size()) + ";a=" + big, "\r\n" + kChat + "\r\n0\r\n\r\n"},
         "400", "bad_request"},
        {"F11 2 MiB trailer", {chat(kChunked) + chunk(kChat) + "0\r\nX-T: " + big + "\r\n\r\n"}, "400", "bad_request"},
        {"F11 70 KiB trailer field", {chat(kChunked) + chunk(kChat) + "0\r\n" + trailer_70k + "\r\n"}, "400",
         "bad_request"},
        {"F12 CL in trailer", {chat(kChunked) + chunk(kChat) + "0\r\nContent-Length: 5\r\n\r\n"}, "400", "bad_request"},
        {"F12 TE in trailer", {chat(kChunked) + chunk(kChat) + "0\r\nTransfer-Encoding: chunked\r\n\r\n"}, "400",
         "bad_request"},
        {"F12 any trailer", {chat(kChunked) + chunk(kChat) + "0\r\nX-Smuggled: 1\r\n\r\n"}, "400", "bad_request"},
        {"F13 no Host", {raw_get("/healthz", "")}, "400", "bad_request"},
        {"F13 two Hosts", {raw_get("/healthz", "Host: a\r\nHost: b\r\n")}, "400", "bad_request"},
        {"F14 hello", {"hello\r\n\r\n"}, "400", "bad_request"},
        {"F14 GE(T", {"GE(T / HTTP/1.1\r\nHost: gw\r\n\r\n"}, "400", "bad_request"},
        {"F14 HTTP/1.01", {"GET /healthz HTTP/1.01\r\nHost: gw\r\n\r\n"}, "400", "bad_request"},
        {"F14 HTTP/2.0", {"GET /healthz HTTP/2.0\r\nHost: gw\r\n\r\n"}, "505", "http_version_not_supported"},
        {"F14 GET /", {"GET /healthz\r\nHost: gw\r\n\r\n"}, "400", "bad_request"},
        {"F14 double space", {"GET  /healthz HTTP/1.1\r\nHost: gw\r\n\r\n"}, "400", "bad_request"},
        {"F14 space in target", {"GET /health z HTTP/1.1\r\nHost: gw\r\n\r\n"}, "400", "bad_request"},
        {"F14 absolute-form", {raw_get("http://127.0.0.1/healthz")}, "400", "bad_request"},
        {"F14 asterisk-form", {raw_get("*")}, "400", "bad_request"},
        {"F14 CONNECT", {"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n"}, "405",
         "method_not_allowed"},
        {"F15 HTTP/2 preface", {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}, "400", "bad_request"},
        {"F15 TLS ClientHello", {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(500, 'A')},
         "400", "bad_request"},
        {"F16 two GETs, one write", {"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n" + raw_get("/v1/models")}, "200", "", 2},
        {"F16 two chats, one write",
         {"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n" + length(kChat) +
          "\r\n" + kChat + chat(length(kChat)) + kChat},
         "200", "", 2, 2},
        {"F16 body-less POST, then GET",
         {"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n\r\n" +
          raw_get("/healthz")},
         "400", "invalid_json", 2},
        {"F17 /v1/../metrics", {raw_get("/v1/../metrics")}, "404", "unknown_url"},
        {"F17 /v1/%2e%2e/metrics", {raw_get("/v1/%2e%2e/metrics")}, "404", "unknown_url"},
        {"F17 %2F", {raw_get("/v1%2Fmodels")}, "404", "unknown_url"},
        {"F17 //v1/chat/completions",
         {"POST //v1/chat/completions HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n" + length(kChat) + "\r\n" + kChat},
         "404", "unknown_url"},
        {"F17 long query", {raw_get("/healthz?" + std::string(6000, 'q'))}, "200", ""},
        {"S1 12 KiB value", {raw_get("/healthz", "Host: gw\r\nX-Big: " + std::string(12 << 10, 'b') + "\r\n")}, "431",
         "request_header_fields_too_large"},
        {"S1 split in two writes",
         {"GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Big: " + std::string(6 << 10, 'b'),
          std::string(6 << 10, 'b') + "\r\n\r\n"},
         "431", "request_header_fields_too_large"},
        {"S2 10 000 fields", {raw_get("/healthz", "Host: gw\r\n" + many_fields)}, "431", "request_header_fields_too_large"},
        {"S3 long URL", {raw_get("/" + std::string(10 << 10, 'u'))}, "431", "request_header_fields_too_large"},
    };
}
// clang-format on

std::size_t count_responses(const std::string& bytes) {
    static const std::regex status_line("HTTP/1\\.[01] [0-9]{3} ");
    return static_cast<std::size_t>(std::distance(
        std::sregex_iterator(bytes.begin(), bytes.end(), status_line), std::sregex_iterator()));
}

class FramingConformanceTest : public MockedGatewayTest {
protected:
    void SetUp() override {
        // The idle timeout outlasts a case's wait: a connection left open is seen as open.
        start("",
              "  max_header_bytes: 8KiB\n  header_timeout: 500ms\n  body_timeout: 500ms\n"
              "  idle_timeout: 30s");
    }
};

TEST_F(FramingConformanceTest, EachCaseIsAnsweredThenClosedAndNothingIsSmuggled) {
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.row);
        mock_->clear_requests();
        const RawReply reply = raw_send(port(), c.writes, std::chrono::seconds(2));
        const std::string head = reply.bytes.substr(0, reply.bytes.find("\r\n\r\n"));
        EXPECT_EQ(reply.bytes.rfind("HTTP/1.1 " + c.status + " ", 0), 0u) << head;
        EXPECT_TRUE(reply.closed) << "the gateway left the connection open";
        EXPECT_EQ(count_responses(reply.bytes), c.responses) << reply.bytes.substr(0, 2000);
        if (!c.code.empty()) {
            EXPECT_NE(reply.bytes.find(R"("code":")" + c.code + "\"}"), std::string::npos)
                << reply.bytes;
            EXPECT_NE(reply.bytes.find(R"("type":"invalid_request_error")"), std::string::npos);
            if (c.responses == 1)
                EXPECT_NE(head.find("\r\nConnection: close"), std::string::npos) << head;
        }
        EXPECT_EQ(reply.bytes.find(kClientCanary), std::string::npos);
        EXPECT_EQ(reply.bytes.find("infergate_requests_total"), std::string::npos)
            << "metrics reached";
        EXPECT_EQ(mock_->requests().size(), c.upstream);
    }

    // §3.0: still serving, and every framing counter moved.
    EXPECT_EQ(get(port(), "/healthz").status, 200);
    EXPECT_EQ(post_json(port(), "/v1/chat/completions", kChat).status, 200);
    for (const std::string reason :
         {"bad_request_line", "bad_line_ending", "bad_header_field", "bad_transfer_encoding",
          "bad_content_length", "bad_host", "bad_chunk"}) {
        SCOPED_TRACE(reason);
        const std::string series = "infergate_client_errors_total{reason=\"" + reason + "\"} ";
        EXPECT_TRUE(eventually([&] {
            const std::string metrics = get(port(), "/metrics").body;
            return metrics.find(series) != std::string::npos &&
                   metrics.find(series + "0\n") == std::string::npos;
        }));
    }
}

// Beast throws std::length_error for a field over 64 KiB: with a header budget above that,
// the head and the trailers are still answered (431), never with an exception in the event loop.
class LargeHeaderBudgetTest : public MockedGatewayTest {
protected:
    void SetUp() override { start("", "  max_header_bytes: 256KiB"); }
};

TEST_F(LargeHeaderBudgetTest, FieldsOver64KiBAre431NotAnException) {
    const std::string field = "X-Big: " + std::string(70 << 10, 'b') + "\r\n";
    for (const std::string& request : {raw_get("/healthz", "Host: gw\r\n" + field),
                                       chat(kChunked) + chunk(kChat) + "0\r\n" + field + "\r\n"}) {
        const RawReply reply = raw_send(port(), {request}, std::chrono::seconds(3));
        EXPECT_EQ(reply.bytes.rfind("HTTP/1.1 431 ", 0), 0u) << reply.bytes.substr(0, 300);
        EXPECT_TRUE(reply.closed);
    }
    EXPECT_EQ(mock_->requests().size(), 0u);
    EXPECT_NE(get(port(), "/metrics").body.find("infergate_session_exceptions_total 0\n"),
              std::string::npos);
}

}  // namespace
}  // namespace infergate::testing
