#include "infergate/upstream/backend.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <openssl/ssl.h>

namespace infergate::upstream {
namespace {

std::unique_ptr<ssl::context> make_tls_context(const config::Backend& settings) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (settings.tls_settings.insecure_skip_verify) {
        context->set_verify_mode(ssl::verify_none);
        return context;
    }
    context->set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (settings.tls_settings.ca_file.empty()) {
        context->set_default_verify_paths(ec);
    } else {
        context->load_verify_file(settings.tls_settings.ca_file, ec);
    }
    if (ec) {
        throw std::runtime_error(fmt::format("backends.{}.tls.ca_file: cannot load CA certificates from \"{}\": {}",
                                             settings.name, settings.tls_settings.ca_file,
                                             ec.message()));
    }
    return context;
}

}  // namespace

Backend::Backend(config::Backend settings, observability::Metrics& metrics,
                 std::shared_ptr<routing::AdmissionQueue> admission)
    : settings_(std::move(settings)),
      admission_(std::move(admission)),
      metrics_(std::make_unique<observability::BackendMetrics>(metrics, settings_.name)) {
    if (!admission_) {
        routing::AdmissionSettings queue;
        queue.max_concurrency = settings_.admission.max_concurrency;
        queue.max_queue = settings_.admission.max_queue;
        queue.max_wait = settings_.admission.max_wait;
        admission_ = std::make_shared<routing::AdmissionQueue>(queue);
    }
    const bool default_port = settings_.port == (settings_.tls ? 443 : 80);
    const bool ipv6 = settings_.host.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + settings_.host + "]" : settings_.host;
    host_header_ = default_port ? host : fmt::format("{}:{}", host, settings_.port);
    if (settings_.tls) tls_ = make_tls_context(settings_);
    // Credentials are part of the identity (a rotated key must not reuse old connections'
    // auth state), but only through a fingerprint.
    pool_key_ = fmt::format("{}|{}|{}|{}|{}", settings_.name, settings_.url,
                            settings_.tls_settings.ca_file,
                            settings_.tls_settings.insecure_skip_verify, settings_.api_key);
    // Each provider's own way of presenting a key: OpenAI's bearer token, Azure's api-key,
    // Gemini's x-goog-api-key, Anthropic's x-api-key.
    std::string_view header = "authorization";
    std::string_view prefix = "Bearer ";
    if (settings_.provider == config::Provider::azure_openai) {
        header = "api-key";
        prefix = "";
    } else if (settings_.provider == config::Provider::gemini) {
        header = "x-goog-api-key";
        prefix = "";
    } else if (settings_.provider == config::Provider::anthropic) {
        header = "x-api-key";
        prefix = "";
        provider_headers_ = fmt::format("anthropic-version: {}\r\n", settings_.api_version);
    }
    std::vector<std::uint32_t> weights;
    if (!settings_.api_key.empty()) {
        credential_values_.push_back(Secret(std::string(prefix) + settings_.api_key.reveal()));
        weights.push_back(1);
    }
    for (const config::WeightedKey& key : settings_.api_keys) {
        credential_values_.push_back(Secret(std::string(prefix) + key.key.reveal()));
        weights.push_back(key.weight);
        pool_key_ += fmt::format("|{}", key.key);
    }
    if (!credential_values_.empty()) {
        credential_header_ = header;
        credentials_ = std::make_unique<routing::CredentialPool>(std::move(weights));
    }
}

}  // namespace infergate::upstream
