#include "stages/auth/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <nlohmann/json.hpp>

#include "stages/auth/base64url.hpp"

namespace infergate::auth {
namespace {

constexpr std::size_t p256_coordinate_size = 32;

std::string_view string_member(const nlohmann::json& jwk, const char* name) {
    const auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string()) return {};
    return it->get_ref<const std::string&>();
}

std::optional<std::string> bytes_member(const nlohmann::json& jwk, const char* name) {
    const std::string_view text = string_member(jwk, name);
    if (text.empty()) return std::nullopt;
    return base64url_decode(text);
}

ossl::Bignum to_bignum(const std::string& bytes) {
    return ossl::Bignum{BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()), nullptr)};
}

// The OpenSSL 3 way to make a key from its public components (no deprecated RSA_/EC_KEY_ API).
ossl::Pkey pkey_from_params(const char* type, const ossl::ParamBld& builder) {
    ossl::Params params{builder ? OSSL_PARAM_BLD_to_param(builder.get()) : nullptr};
    ossl::PkeyCtx ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
    EVP_PKEY* pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return ossl::Pkey{pkey};
}

KeyOrError rsa_key(const nlohmann::json& jwk) {
    const auto n = bytes_member(jwk, "n");
    const auto e = bytes_member(jwk, "e");
    if (!n || !e) return "RSA key needs base64url `n` and `e`";
    const ossl::Bignum modulus = to_bignum(*n);
    const ossl::Bignum exponent = to_bignum(*e);
    ossl::ParamBld builder{OSSL_PARAM_BLD_new()};
    if (!modulus || !exponent || !builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
        return "cannot build RSA key";
    }
    return verify_key_from(pkey_from_params("RSA", builder));
}

KeyOrError ec_key(const nlohmann::json& jwk) {
    const auto x = bytes_member(jwk, "x");
    const auto y = bytes_member(jwk, "y");
    // RFC 7518 §6.2.1.2: coordinates are full-length, leading zeros kept.
    if (!x || !y || x->size() != p256_coordinate_size || y->size() != p256_coordinate_size) {
        return "EC key needs 32-byte base64url `x` and `y`";
    }
    const std::string point = '\x04' + *x + *y;  // uncompressed SEC1 encoding
    ossl::ParamBld builder{OSSL_PARAM_BLD_new()};
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) !=
            1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        return "cannot build EC key";
    }
    return verify_key_from(pkey_from_params("EC", builder));
}

}  // namespace

bool jwk_is_usable(const nlohmann::json& jwk) {
    if (!jwk.is_object()) return false;
    const std::string_view use = string_member(jwk, "use");
    if (jwk.contains("use") && use != "sig") return false;
    const std::string_view kty = string_member(jwk, "kty");
    const std::string_view alg = string_member(jwk, "alg");
    const bool alg_given = jwk.contains("alg");
    if (kty == "RSA") return !alg_given || alg == "RS256";
    if (kty == "EC") return string_member(jwk, "crv") == "P-256" && (!alg_given || alg == "ES256");
    return false;
}

KeyOrError verify_key_from_jwk(const nlohmann::json& jwk) {
    return string_member(jwk, "kty") == "RSA" ? rsa_key(jwk) : ec_key(jwk);
}

}  // namespace infergate::auth
