// A public key the verifier trusts, bound to the one JWS algorithm it may verify.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "stages/auth/jws_signature.hpp"
#include "stages/auth/openssl_handles.hpp"

namespace infergate::auth {

struct VerifyKey {
    JwsAlgorithm alg;  // RSA keys verify RS256 only, P-256 keys ES256 only
    ossl::Pkey pkey;
};

// A key, or why it cannot be used (no key material in the message).
using KeyOrError = std::variant<VerifyKey, std::string>;

// Accepts RSA of at least 2048 bits and EC on P-256 that pass OpenSSL's public-key check.
KeyOrError verify_key_from(ossl::Pkey pkey);

// A PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), then the checks above.
KeyOrError verify_key_from_pem(std::string_view pem);

}  // namespace infergate::auth
