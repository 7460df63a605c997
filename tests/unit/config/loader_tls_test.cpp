// server.tls and auth.client_certificates: the schema and its messages. Files are checked by
// building a TLS context at load, so a file that is not a certificate is an error at its key;
// the integration tests (tls_listener_test.cpp) load real, generated certificates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::load;
using testing::with_routes;

const testing::Env kEnv{{"NOT_A_CERT", INFERGATE_TEST_DATA_DIR "/config/ca.pem"}};

TEST(ConfigTls, AbsentByDefault) {
    const LoadResult result = load(with_routes(""));
    ASSERT_TRUE(result.config);
    EXPECT_TRUE(result.config->server.plain_listener);
    EXPECT_FALSE(result.config->server.tls);
    EXPECT_TRUE(result.config->auth.client_certificates.empty());
}

TEST(ConfigTls, FileThatIsNotACertificateIsReportedAtItsKey) {
    const LoadResult result = load(with_routes(R"(server:
  tls:
    cert_file: "${NOT_A_CERT}"
    key_file: "${NOT_A_CERT}"
)"), kEnv);
    ASSERT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(result.errors);
    EXPECT_THAT(result.errors[0], ::testing::StartsWith("infergate.yaml:3:16: server.tls.cert_file: cannot load a PEM "
                                                        "certificate chain from"));
}

TEST(ConfigTls, ReportsSchemaMistakes) {
    const LoadResult result = load(with_routes(R"(server:
  listen: none
  tls:
    listen: "localhost:8443"
    key_file: /nonexistent/tls.key
    client_auth: sometimes
    min_version: "1.1"
    client_ca_file: /nonexistent/ca.pem
)"));
    EXPECT_THAT(result.errors,
                ElementsAre(HasSubstr("3:3: server.tls.cert_file: is required"),
                            HasSubstr("4:13: server.tls.listen:"),
                            HasSubstr("5:15: server.tls.key_file: cannot read file"),
                            HasSubstr("6:18: server.tls.client_auth: unknown client_auth \"sometimes\""),
                            HasSubstr("7:18: server.tls.min_version: unknown min_version \"1.1\""),
                            HasSubstr("8:21: server.tls.client_ca_file: cannot read file")));
}

TEST(ConfigTls, ListenNoneNeedsTlsAndClientAuthNeedsCa) {
    EXPECT_THAT(load(with_routes("server:\n  listen: none\n")).errors,
                ElementsAre("infergate.yaml:2:3: server.listen: none leaves no listener: add a tls section"));
    EXPECT_THAT(load(with_routes(R"(server:
  tls: { cert_file: "${NOT_A_CERT}", key_file: "${NOT_A_CERT}", client_auth: require }
)"), kEnv).errors,
                ::testing::Contains(HasSubstr("server.tls.client_auth: needs client_ca_file")));
    EXPECT_THAT(load(with_routes(R"(server:
  tls: { cert_file: "${NOT_A_CERT}", key_file: "${NOT_A_CERT}", client_ca_file: "${NOT_A_CERT}" }
)"), kEnv).errors,
                ::testing::Contains(HasSubstr("server.tls.client_ca_file: client certificates are asked for only with")));
}

TEST(ConfigClientCertificates, NeedClientAuthAndOneMatchEach) {
    const LoadResult result = load(with_routes(R"(auth:
  keys:
    - { id: app1, sha256: "0000000000000000000000000000000000000000000000000000000000000000" }
  client_certificates:
    - { common_name: billing-svc, id: billing, models: [m] }
    - { id: nomatch }
    - { dns: a.example, uri: "spiffe://x/y", id: two }
    - { dns: Billing.Example, id: app1 }
    - { common_name: billing-svc, id: again }
)"));
    EXPECT_THAT(result.errors,
                ElementsAre(HasSubstr("4:3: auth.client_certificates: needs server.tls with client_auth"),
                            HasSubstr("6:7: auth.client_certificates[1]: needs exactly one of common_name, dns, uri"),
                            HasSubstr("7:7: auth.client_certificates[2]: needs exactly one of"),
                            HasSubstr("8:7: auth.client_certificates[3]: duplicate key id \"app1\""),
                            HasSubstr("9:7: auth.client_certificates[4]: same certificate match as \"billing\"")));
}

}  // namespace
}  // namespace infergate::config
