#include "stages/auth/verify_key.hpp"

#include <array>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace infergate::auth {
namespace {

constexpr int min_rsa_bits = 2048;

bool is_p256(EVP_PKEY* pkey) {
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &length) != 1) {
        return false;
    }
    const std::string_view name{group.data(), length};
    return name == "prime256v1" || name == "P-256";
}

std::variant<JwsAlgorithm, std::string> algorithm_for(EVP_PKEY* pkey) {
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        if (EVP_PKEY_get_bits(pkey) < min_rsa_bits) return "RSA key smaller than 2048 bits";
        return JwsAlgorithm::rs256;
    }
    if (EVP_PKEY_is_a(pkey, "EC")) {
        if (!is_p256(pkey)) return "EC key not on curve P-256";
        return JwsAlgorithm::es256;
    }
    return "neither an RSA nor an EC P-256 key";
}

}  // namespace

KeyOrError verify_key_from(ossl::Pkey pkey) {
    if (!pkey) return "invalid public key";
    auto alg = algorithm_for(pkey.get());
    if (auto* reason = std::get_if<std::string>(&alg)) return std::move(*reason);
    ossl::PkeyCtx ctx{EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr)};
    const bool valid = ctx && EVP_PKEY_public_check(ctx.get()) == 1;
    ERR_clear_error();
    if (!valid) return "invalid public key";
    return VerifyKey{std::get<JwsAlgorithm>(alg), std::move(pkey)};
}

KeyOrError verify_key_from_pem(std::string_view pem) {
    ossl::Bio bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    ossl::Pkey pkey{bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr};
    ERR_clear_error();
    if (!pkey) return "no PEM public key (expected BEGIN PUBLIC KEY)";
    return verify_key_from(std::move(pkey));
}

}  // namespace infergate::auth
