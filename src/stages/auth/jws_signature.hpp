// The JWS signature check for the two algorithms the gateway accepts.
#pragma once

#include <optional>
#include <string_view>

#include <openssl/types.h>

namespace infergate::auth {

// Deliberately closed: no `none`, no HMAC (an RSA public key used as an HMAC secret is the
// classic algorithm-confusion forgery), no other digest sizes.
enum class JwsAlgorithm { rs256, es256 };

std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view name) noexcept;

// `signature` is the decoded third segment; for ES256 it is R||S (32 bytes each), as JWS
// requires, not DER. The key must be of the algorithm's type (the caller checks).
bool verify_jws_signature(JwsAlgorithm alg, EVP_PKEY* key, std::string_view signing_input,
                          std::string_view signature);

}  // namespace infergate::auth
