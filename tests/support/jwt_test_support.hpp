// Test-side JWT issuer: real key pairs made with OpenSSL, tokens signed with them, and the JWKS
// and PEM files a verifier loads. Nothing canned: a wrong check makes these tests fail. Shared
// by the verifier's unit tests and the gateway's integration tests.
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include "infergate/stages/auth/jwt_verifier.hpp"
#include "stages/auth/base64url.hpp"
#include "stages/auth/openssl_handles.hpp"

namespace infergate::auth::testing {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::system_clock;

inline ossl::Pkey generate_rsa(unsigned bits = 2048) {
    return ossl::Pkey{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{bits})};
}

inline ossl::Pkey generate_ec(const char* curve = "P-256") {
    return ossl::Pkey{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)};
}

// OpenSSL's own signature of `input`: PKCS#1 v1.5 for RSA keys, DER (not JWS's R||S) for EC.
inline std::string openssl_signature(EVP_PKEY* key, std::string_view input) {
    ossl::MdCtx ctx{EVP_MD_CTX_new()};
    std::string signature(512, '\0');
    std::size_t size = signature.size();
    EXPECT_EQ(EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, nullptr),
              1);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1);
    signature.resize(size);
    return signature;
}

// The JWS signature of `input`: RS256 as OpenSSL makes it, ES256 converted to R||S.
inline std::string sign(EVP_PKEY* key, std::string_view input) {
    const std::string der = openssl_signature(key, input);
    if (!EVP_PKEY_is_a(key, "EC")) return der;
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    const ossl::EcdsaSig sig{d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()))};
    std::string raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32);
    return raw;
}

inline std::string hmac_sha256(std::string_view secret, std::string_view input) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t size = 0;
    EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
              reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac,
              &size);
    return std::string(reinterpret_cast<const char*>(mac), size);
}

inline std::string signing_input(const json& header, const json& payload) {
    return base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
}

// header.payload.signature with the signature made by `sign_with(signing input)`.
template <typename Signer>
std::string token_signed_by(const json& header, const json& payload, Signer sign_with) {
    const std::string input = signing_input(header, payload);
    return input + "." + base64url_encode(sign_with(input));
}

inline std::string token(const json& header, const json& payload, EVP_PKEY* key) {
    return token_signed_by(header, payload, [key](std::string_view in) { return sign(key, in); });
}

inline std::string bignum_param(EVP_PKEY* key, const char* name, int width = 0) {
    BIGNUM* value = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &value), 1) << name;
    const ossl::Bignum owned{value};
    std::string bytes(width > 0 ? width : BN_num_bytes(value), '\0');
    BN_bn2binpad(value, reinterpret_cast<unsigned char*>(bytes.data()), bytes.size());
    return bytes;
}

// The public half of `key` as a JWK.
inline json jwk_of(EVP_PKEY* key, std::string_view kid) {
    if (EVP_PKEY_is_a(key, "RSA")) {
        return {{"kty", "RSA"},
                {"kid", kid},
                {"use", "sig"},
                {"alg", "RS256"},
                {"n", base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_RSA_N))},
                {"e", base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_RSA_E))}};
    }
    return {{"kty", "EC"},
            {"kid", kid},
            {"crv", "P-256"},
            {"x", base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X, 32))},
            {"y", base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
}

// The public half of `key` as "BEGIN PUBLIC KEY" PEM.
inline std::string public_pem(EVP_PKEY* key) {
    ossl::Bio bio{BIO_new(BIO_s_mem())};
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), key), 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "jwt-test-XXXXXX");
        path_ = ::mkdtemp(pattern.data()) ? pattern : std::string{};
        EXPECT_FALSE(path_.empty());
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string write(const std::string& name, std::string_view content) const {
        const std::string file = (path_ / name).string();
        std::ofstream{file, std::ios::binary} << content;
        return file;
    }

private:
    std::filesystem::path path_;
};

// Keys made once per test binary: RSA-2048 generation is the slow part of these tests.
struct TestKeys {
    ossl::Pkey rsa = generate_rsa();
    ossl::Pkey ec = generate_ec();
    ossl::Pkey other_rsa = generate_rsa();
    ossl::Pkey other_ec = generate_ec();
};

inline const TestKeys& test_keys() {
    static const TestKeys keys;
    return keys;
}

// A fixed "now", so every time claim is exact (tests through a running gateway pass the
// real clock's instead).
inline const Clock::time_point now = Clock::time_point{std::chrono::seconds{1'700'000'000}};

// A NumericDate claim value `offset` from `from`.
inline std::int64_t at(std::chrono::seconds offset, Clock::time_point from = now) {
    return std::chrono::duration_cast<std::chrono::seconds>((from + offset).time_since_epoch())
        .count();
}

}  // namespace infergate::auth::testing
