// The files a reload reads again besides the config file itself: what the file watch watches.
#include <gtest/gtest.h>

#include "infergate/config/referenced_files.hpp"

namespace infergate::config {
namespace {

TEST(ReferencedFiles, NoneForAConfigThatNamesNoFile) {
    Config config;
    config.backends["plain"].url = "http://127.0.0.1:8090";
    EXPECT_TRUE(referenced_files(config).empty());
}

TEST(ReferencedFiles, KeyFilesAndCaBundlesEachOnce) {
    Config config;
    config.auth.jwt.push_back(JwtIssuer{.name = "idp", .jwks_file = "/etc/idp/jwks.json"});
    config.auth.jwt.push_back(JwtIssuer{.name = "legacy", .pem_file = "keys/legacy.pem"});
    config.backends["a"].tls_settings.ca_file = "/etc/ssl/private-ca.pem";
    config.backends["b"].tls_settings.ca_file = "/etc/ssl/private-ca.pem";  // shared: once
    EXPECT_EQ(referenced_files(config),
              (std::vector<std::string>{"/etc/idp/jwks.json", "keys/legacy.pem", "/etc/ssl/private-ca.pem"}));
}

TEST(ReferencedFiles, TheHttpsListenersCertificateKeyAndClientCas) {
    Config config;
    config.server.tls = ListenerTls{.cert_file = "/etc/tls/tls.crt", .key_file = "/etc/tls/tls.key"};
    EXPECT_EQ(referenced_files(config), (std::vector<std::string>{"/etc/tls/tls.crt", "/etc/tls/tls.key"}));
    config.server.tls->client_ca_file = "/etc/tls/clients.pem";
    EXPECT_EQ(referenced_files(config).back(), "/etc/tls/clients.pem");
}

}  // namespace
}  // namespace infergate::config
