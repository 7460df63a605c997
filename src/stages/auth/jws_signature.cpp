#include "stages/auth/jws_signature.hpp"

#include <string>

#include <openssl/err.h>

#include "stages/auth/openssl_handles.hpp"

namespace infergate::auth {
namespace {

constexpr std::size_t es256_half = 32;

// JWS carries ECDSA signatures as fixed-width R||S; OpenSSL verifies the DER SEQUENCE form.
std::optional<std::string> es256_raw_to_der(std::string_view raw) {
    if (raw.size() != 2 * es256_half) return std::nullopt;
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    ossl::Bignum r{BN_bin2bn(bytes, es256_half, nullptr)};
    ossl::Bignum s{BN_bin2bn(bytes + es256_half, es256_half, nullptr)};
    ossl::EcdsaSig sig{ECDSA_SIG_new()};
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
    r.release();  // owned by sig now
    s.release();
    unsigned char* der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &der);
    if (length <= 0) return std::nullopt;
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

bool digest_verify(EVP_PKEY* key, std::string_view signing_input, std::string_view signature) {
    ossl::MdCtx ctx{EVP_MD_CTX_new()};
    if (!ctx) return false;
    if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, nullptr) !=
        1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(signing_input.data()),
                            signing_input.size()) == 1;
}

}  // namespace

std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view name) noexcept {
    if (name == "RS256") return JwsAlgorithm::rs256;
    if (name == "ES256") return JwsAlgorithm::es256;
    return std::nullopt;
}

bool verify_jws_signature(JwsAlgorithm alg, EVP_PKEY* key, std::string_view signing_input,
                          std::string_view signature) {
    bool ok = false;
    if (alg == JwsAlgorithm::rs256) {
        ok = digest_verify(key, signing_input, signature);
    } else if (const auto der = es256_raw_to_der(signature)) {
        ok = digest_verify(key, signing_input, *der);
    }
    // A failed verification leaves reasons on this thread's error queue: drop them here so
    // they never surface in an unrelated TLS error later.
    ERR_clear_error();
    return ok;
}

}  // namespace infergate::auth
