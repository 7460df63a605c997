// Public keys from JWK objects (RFC 7517/7518): RSA (`n`, `e`) and EC P-256 (`x`, `y`).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "stages/auth/verify_key.hpp"

namespace infergate::auth {

// Whether the JWK is a signing key this verifier can use: `kty` RSA, or EC with `crv` P-256,
// and `use` / `alg`, when present, saying sig / RS256 or ES256 to match. Identity providers
// publish other keys too (encryption keys, other curves); those are passed over, not errors.
bool jwk_is_usable(const nlohmann::json& jwk);

// Builds the key with OpenSSL 3's EVP_PKEY_fromdata; for a usable JWK only.
KeyOrError verify_key_from_jwk(const nlohmann::json& jwk);

}  // namespace infergate::auth
