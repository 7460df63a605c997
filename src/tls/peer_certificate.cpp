#include "infergate/tls/peer_certificate.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace infergate::tls {
namespace {

std::string text_of(const ASN1_STRING* value) {
    if (value == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                       static_cast<std::size_t>(ASN1_STRING_length(value)));
}

// A CN in UTF-8 whatever its ASN.1 string type; empty when absent or not convertible.
std::string common_name_of(const X509* certificate) {
    const X509_NAME* subject = X509_get_subject_name(certificate);
    int index = -1, last = -1;
    while ((index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) >= 0) last = index;
    if (last < 0) return {};
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last)));
    if (length < 0) return {};
    std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return name;
}

void read_alt_names(const X509* certificate, PeerCertificate& out) {
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    if (names == nullptr) return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        switch (name->type) {
            case GEN_DNS: out.dns_names.push_back(text_of(name->d.dNSName)); break;
            case GEN_URI: out.uris.push_back(text_of(name->d.uniformResourceIdentifier)); break;
            case GEN_EMAIL: out.emails.push_back(text_of(name->d.rfc822Name)); break;
            default: break;
        }
    }
    GENERAL_NAMES_free(names);
}

}  // namespace

std::optional<PeerCertificate> verified_peer_certificate(ssl_st* connection) {
    const X509* certificate = SSL_get0_peer_certificate(connection);
    if (certificate == nullptr || SSL_get_verify_result(connection) != X509_V_OK) return std::nullopt;
    PeerCertificate peer;
    peer.common_name = common_name_of(certificate);
    read_alt_names(certificate, peer);
    return peer;
}

}  // namespace infergate::tls
