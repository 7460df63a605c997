#include "infergate/config/referenced_files.hpp"

#include <algorithm>

namespace infergate::config {

std::vector<std::string> referenced_files(const Config& config) {
    std::vector<std::string> files;
    auto add = [&files](const std::string& path) {
        if (!path.empty() && std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
    };
    for (const JwtIssuer& issuer : config.auth.jwt) {
        add(issuer.jwks_file);
        add(issuer.pem_file);
    }
    for (const auto& [name, backend] : config.backends) add(backend.tls_settings.ca_file);
    // The HTTPS listener's certificate, key and client CAs: rotated by cert-manager and the
    // like without the config file changing.
    if (const auto& tls = config.server.tls) {
        add(tls->cert_file);
        add(tls->key_file);
        add(tls->client_ca_file);
    }
    return files;
}

}  // namespace infergate::config
