#include "infergate/tls/server_context.hpp"

#include <ctime>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace infergate::tls {
namespace {

// Mozilla's "intermediate" TLS 1.2 list without DHE: ECDHE key exchange, AEAD ciphers only.
// TLS 1.3 keeps OpenSSL's suites (all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr unsigned char kSessionContext[] = "infergate";

// The last OpenSSL error as words ("no start line", "key values mismatch"), and a clean queue.
std::string openssl_reason() {
    std::string reason;
    while (const unsigned long code = ERR_get_error()) {
        const char* text = ERR_reason_error_string(code);
        reason = text != nullptr ? text : "error " + std::to_string(ERR_GET_REASON(code));
    }
    return reason.empty() ? "unknown OpenSSL error" : reason;
}

// Loading a key checks it against the certificate already loaded: this failure is a mismatch.
bool key_mismatch(unsigned long code) {
    return ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH;
}

FileError failure(FileError::File file, std::string what) {
    return {file, std::move(what) + " (" + openssl_reason() + ")"};
}

// Only HTTP/1.1 is served: select it when offered; a client offering only others (h2) gets
// no ALPN answer and decides itself.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                  unsigned int offered_length, void*) {
    static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    const int found = SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11, offered, offered_length);
    if (found != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

// An encrypted key would make OpenSSL prompt on the terminal: refuse it instead.
int no_passphrase(char*, int, int, void*) { return 0; }

double unix_time(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
    return static_cast<double>(timegm(&tm));
}

std::string serial_hex(const X509* certificate) {
    BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
    if (number == nullptr) return {};
    char* hex = BN_bn2hex(number);
    std::string serial = hex != nullptr ? hex : "";
    OPENSSL_free(hex);
    BN_free(number);
    return serial;
}

}  // namespace

ServerContext::ServerContext(config::ListenerTls settings)
    : settings_(std::move(settings)), context_(ssl::context::tls_server) {}

std::variant<ServerContextPtr, FileError> make_server_context(const config::ListenerTls& settings) {
    using File = FileError::File;
    ERR_clear_error();
    auto built = std::make_shared<ServerContext>(settings);
    SSL_CTX* native = built->context_.native_handle();
    SSL_CTX_set_min_proto_version(native,
                                  settings.min_version == config::TlsVersion::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_cipher_list(native, kTls12Ciphers);
    SSL_CTX_set_default_passwd_cb(native, no_passphrase);
    SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);

    if (SSL_CTX_use_certificate_chain_file(native, settings.cert_file.c_str()) != 1) {
        return failure(File::cert, "cannot load a PEM certificate chain from \"" + settings.cert_file + "\"");
    }
    const bool loaded = SSL_CTX_use_PrivateKey_file(native, settings.key_file.c_str(), SSL_FILETYPE_PEM) == 1;
    if (!loaded && !key_mismatch(ERR_peek_last_error())) {
        return failure(File::key, "cannot load an unencrypted PEM private key from \"" + settings.key_file + "\"");
    }
    if (!loaded || SSL_CTX_check_private_key(native) != 1) {
        return failure(File::key, "the private key in \"" + settings.key_file +
                                      "\" does not belong to the certificate in \"" + settings.cert_file + "\"");
    }
    if (!settings.client_ca_file.empty()) {
        const char* ca = settings.client_ca_file.c_str();
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca);
        if (names == nullptr || SSL_CTX_load_verify_locations(native, ca, nullptr) != 1) {
            if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
            return failure(File::client_ca, "cannot load PEM CA certificates from \"" + settings.client_ca_file + "\"");
        }
        SSL_CTX_set_client_CA_list(native, names);  // named in the CertificateRequest
    }
    switch (settings.client_auth) {
        case config::ClientAuth::none: SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr); break;
        case config::ClientAuth::optional: SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr); break;
        case config::ClientAuth::require:
            SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
            break;
    }
    const X509* leaf = SSL_CTX_get0_certificate(native);
    built->not_after_ = unix_time(X509_get0_notAfter(leaf));
    built->serial_ = serial_hex(leaf);
    ERR_clear_error();
    return ServerContextPtr(std::move(built));
}

}  // namespace infergate::tls
