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
    return files;
}

}  // namespace infergate::config
