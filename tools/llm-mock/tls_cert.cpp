#include "tls_cert.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace llm_mock {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using Ptr = std::unique_ptr<T, Deleter<T, Free>>;

using KeyPtr = Ptr<EVP_PKEY, EVP_PKEY_free>;
using CertPtr = Ptr<X509, X509_free>;
using BioPtr = Ptr<BIO, BIO_free_all>;
using BnPtr = Ptr<BIGNUM, BN_free>;
using ExtPtr = Ptr<X509_EXTENSION, X509_EXTENSION_free>;
using NamesPtr = Ptr<GENERAL_NAMES, GENERAL_NAMES_free>;
using OctetsPtr = Ptr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

[[noreturn]] void fail(const char* what) {
    std::string message = std::string("tls_cert: ") + what;
    if (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        message += ": ";
        message += buf;
    }
    ERR_clear_error();
    throw std::runtime_error(message);
}

void check(bool ok, const char* what) {
    if (!ok) fail(what);
}

void add_conf_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

void add_ip(GENERAL_NAMES* names, const char* ip) {
    OctetsPtr octets(a2i_IPADDRESS(ip));
    check(octets != nullptr, "a2i_IPADDRESS");
    GENERAL_NAME* name = GENERAL_NAME_new();
    check(name != nullptr, "GENERAL_NAME_new");
    GENERAL_NAME_set0_value(name, GEN_IPADD, octets.release());
    check(sk_GENERAL_NAME_push(names, name) > 0, "sk_GENERAL_NAME_push");
}

// A DNS, URI or email entry (all IA5 strings).
void add_ia5(GENERAL_NAMES* names, int type, const std::string& value) {
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    check(ia5 != nullptr, "ASN1_IA5STRING_new");
    if (ASN1_STRING_set(ia5, value.data(), static_cast<int>(value.size())) != 1) {
        ASN1_IA5STRING_free(ia5);
        fail("ASN1_STRING_set");
    }
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) {
        ASN1_IA5STRING_free(ia5);
        fail("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(name, type, ia5);
    check(sk_GENERAL_NAME_push(names, name) > 0, "sk_GENERAL_NAME_push");
}

std::string to_string(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// A new certificate for `key`: v3, random 127-bit serial, valid from a minute ago for a day,
// subject O=llm-mock, CN=<common_name>.
CertPtr new_certificate(EVP_PKEY* key, const std::string& common_name) {
    CertPtr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

    BnPtr serial(BN_new());
    check(serial != nullptr, "BN_new");
    check(BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "BN_rand");
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
          "BN_to_ASN1_INTEGER");

    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 60 * 60) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");

    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("llm-mock"), -1, -1,
                                     0) == 1,
          "subject O");
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1,
          "subject CN");
    return cert;
}

CertificatePair to_pem(X509* cert, EVP_PKEY* key) {
    CertificatePair pair;
    BioPtr cert_bio(BIO_new(BIO_s_mem()));
    check(cert_bio != nullptr && PEM_write_bio_X509(cert_bio.get(), cert) == 1,
          "PEM_write_bio_X509");
    pair.cert_pem = to_string(cert_bio.get());
    BioPtr key_bio(BIO_new(BIO_s_mem()));
    check(key_bio != nullptr && PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr,
                                                         nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    pair.key_pem = to_string(key_bio.get());
    return pair;
}

// Basic constraints, key usage (a CA also signs certificates), both extended usages, key ids.
void add_usage_extensions(X509* cert, X509* issuer, bool ca) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    add_conf_ext(cert, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_conf_ext(cert, &ctx, NID_key_usage, ca ? "critical,digitalSignature,keyCertSign" : "critical,digitalSignature");
    add_conf_ext(cert, &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
    add_conf_ext(cert, &ctx, NID_subject_key_identifier, "hash");
    add_conf_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
}

BioPtr memory_bio(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    check(bio != nullptr, "BIO_new_mem_buf");
    return bio;
}

}  // namespace

CertificatePair generate_self_signed(const std::string& common_name) {
    if (common_name.empty()) throw std::invalid_argument("generate_self_signed: empty common name");

    KeyPtr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    CertPtr cert = new_certificate(key.get(), common_name);
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_set_issuer_name(cert.get(), name) == 1, "X509_set_issuer_name");

    add_usage_extensions(cert.get(), cert.get(), /*ca=*/true);

    NamesPtr names(sk_GENERAL_NAME_new_null());
    check(names != nullptr, "sk_GENERAL_NAME_new_null");
    if (OctetsPtr ip(a2i_IPADDRESS(common_name.c_str())); ip != nullptr) {
        if (common_name != "127.0.0.1") add_ip(names.get(), common_name.c_str());
    } else {
        ERR_clear_error();
        add_ia5(names.get(), GEN_DNS, common_name);
    }
    add_ip(names.get(), "127.0.0.1");
    check(X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0,
                            X509V3_ADD_DEFAULT) == 1,
          "subjectAltName");

    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");
    return to_pem(cert.get(), key.get());
}

CertificatePair generate_signed(const LeafOptions& options, const CertificatePair& issuer) {
    if (options.common_name.empty()) throw std::invalid_argument("generate_signed: empty common name");
    BioPtr issuer_cert_bio = memory_bio(issuer.cert_pem);
    CertPtr issuer_cert(PEM_read_bio_X509(issuer_cert_bio.get(), nullptr, nullptr, nullptr));
    check(issuer_cert != nullptr, "PEM_read_bio_X509 (issuer)");
    BioPtr issuer_key_bio = memory_bio(issuer.key_pem);
    KeyPtr issuer_key(PEM_read_bio_PrivateKey(issuer_key_bio.get(), nullptr, nullptr, nullptr));
    check(issuer_key != nullptr, "PEM_read_bio_PrivateKey (issuer)");

    KeyPtr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    CertPtr cert = new_certificate(key.get(), options.common_name);
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert.get())) == 1, "X509_set_issuer_name");

    add_usage_extensions(cert.get(), issuer_cert.get(), /*ca=*/false);

    NamesPtr names(sk_GENERAL_NAME_new_null());
    check(names != nullptr, "sk_GENERAL_NAME_new_null");
    for (const std::string& dns : options.dns_names) add_ia5(names.get(), GEN_DNS, dns);
    for (const std::string& uri : options.uris) add_ia5(names.get(), GEN_URI, uri);
    for (const std::string& email : options.emails) add_ia5(names.get(), GEN_EMAIL, email);
    add_ip(names.get(), "127.0.0.1");
    check(X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1,
          "subjectAltName");

    check(X509_sign(cert.get(), issuer_key.get(), EVP_sha256()) > 0, "X509_sign");
    return to_pem(cert.get(), key.get());
}

}  // namespace llm_mock
