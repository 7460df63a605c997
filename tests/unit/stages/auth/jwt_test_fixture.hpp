// A verifier over three issuers (a two-key JWKS, an RSA PEM, an EC PEM), with claim and token
// builders, so each test states only what it changes.
#pragma once

#include <ostream>
#include <stdexcept>
#include <variant>

#include "support/jwt_test_support.hpp"

namespace infergate::auth {

// gtest prints JwtError by its message, not its number.
inline void PrintTo(JwtError error, std::ostream* out) { *out << describe(error); }

namespace testing {

using Result = std::variant<JwtPrincipal, JwtError>;

inline std::optional<JwtError> error_of(const Result& result) {
    if (const auto* error = std::get_if<JwtError>(&result)) return *error;
    return std::nullopt;
}

inline JwtPrincipal accepted(const Result& result) {
    if (const auto* error = std::get_if<JwtError>(&result)) {
        ADD_FAILURE() << "token refused: " << describe(*error);
        return {};
    }
    return std::get<JwtPrincipal>(result);
}

inline JwtVerifier created(const std::vector<JwtIssuerSettings>& issuers) {
    auto result = JwtVerifier::create(issuers);
    if (const auto* errors = std::get_if<std::vector<std::string>>(&result)) {
        ADD_FAILURE() << ::testing::PrintToString(*errors);
        throw std::runtime_error{"JwtVerifier::create failed"};
    }
    return std::get<JwtVerifier>(std::move(result));
}

class JwtTest : public ::testing::Test {
protected:
    static constexpr const char* idp = "https://idp.example";          // JWKS: rsa-1, ec-1
    static constexpr const char* rsa_pem_idp = "https://rsa.example";  // PEM: keys().rsa
    static constexpr const char* ec_pem_idp = "https://ec.example";    // PEM: keys().ec

    static const TestKeys& keys() { return test_keys(); }

    JwtIssuerSettings jwks_issuer() const {
        const json jwks = {
            {"keys", {jwk_of(keys().rsa.get(), "rsa-1"), jwk_of(keys().ec.get(), "ec-1")}}};
        return {.issuer = idp,
                .audiences = {"infergate", "infergate-admin"},
                .jwks_file = dir.write("jwks.json", jwks.dump())};
    }

    JwtIssuerSettings pem_issuer(const char* issuer, EVP_PKEY* key, const char* file) const {
        return {.issuer = issuer,
                .audiences = {"infergate"},
                .pem_file = dir.write(file, public_pem(key))};
    }

    // A valid payload for `issuer`; tests change or erase single claims.
    static json claims(const char* issuer = idp) {
        return {{"iss", issuer},      {"sub", "user-42"},
                {"aud", "infergate"}, {"exp", at(600s)},
                {"iat", at(-60s)},    {"nbf", at(-60s)},
                {"tenant", "acme"},   {"models", {"gpt-4o", "llama-3"}}};
    }

    static json header(const char* alg, const char* kid) {
        return {{"alg", alg}, {"typ", "JWT"}, {"kid", kid}};
    }
    static std::string rs256(const json& payload, const char* kid = "rsa-1") {
        return token(header("RS256", kid), payload, keys().rsa.get());
    }
    static std::string es256(const json& payload, const char* kid = "ec-1") {
        return token(header("ES256", kid), payload, keys().ec.get());
    }

    Result verify(std::string_view jwt) const { return verifier.verify(jwt, now); }

    TempDir dir;
    JwtVerifier verifier =
        created({jwks_issuer(), pem_issuer(rsa_pem_idp, keys().rsa.get(), "rsa.pem"),
                 pem_issuer(ec_pem_idp, keys().ec.get(), "ec.pem")});
};

}  // namespace testing
}  // namespace infergate::auth
