// Self-signed certificate generation for the mock's HTTPS mode and for TLS tests.
#pragma once

#include <string>
#include <vector>

namespace llm_mock {

struct CertificatePair {
    std::string cert_pem, key_pem;  // PEM certificate; PEM PKCS#8 private key
};

// A fresh EC P-256 key and a self-signed X.509 v3 certificate (SHA-256) for it:
//   subject/issuer CN=<common_name>, O=llm-mock; random 127-bit serial;
//   valid from one minute ago (clock-skew margin) until now + 1 day;
//   subjectAltName DNS:<common_name> (IP:<common_name> if it is an IP literal) and IP:127.0.0.1;
//   basicConstraints critical CA:TRUE (so the certificate can be its own trust anchor in a CA
//   file), keyUsage digitalSignature+keyCertSign, extendedKeyUsage serverAuth+clientAuth,
//   subject and authority key identifiers.
// Throws std::runtime_error (with the OpenSSL error text) on failure.
CertificatePair generate_self_signed(const std::string& common_name);

// What a certificate signed by a CA (generate_signed) names.
struct LeafOptions {
    std::string common_name;             // subject CN (O=llm-mock as well)
    std::vector<std::string> dns_names;  // subjectAltName DNS entries (IP:127.0.0.1 is always added)
    std::vector<std::string> uris;       // subjectAltName URI entries
    std::vector<std::string> emails;     // subjectAltName email entries
};

// A fresh EC P-256 key and a certificate for it signed by `issuer` (a pair from
// generate_self_signed, which can act as a CA): CA:FALSE, keyUsage digitalSignature,
// extendedKeyUsage serverAuth+clientAuth, random serial, valid from one minute ago for a day.
// Throws std::runtime_error on failure.
CertificatePair generate_signed(const LeafOptions& options, const CertificatePair& issuer);

}  // namespace llm_mock
