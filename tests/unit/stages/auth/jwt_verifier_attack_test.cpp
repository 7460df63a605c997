// Forgeries: every one is built with real keys and must be refused for the right reason.
#include "jwt_test_fixture.hpp"

namespace infergate::auth::testing {
namespace {

using JwtAttack = JwtTest;

std::string replace_segment(const std::string& jwt, int index, const std::string& segment) {
    const std::size_t first = jwt.find('.');
    const std::size_t second = jwt.find('.', first + 1);
    const std::size_t begin = index == 0 ? 0 : index == 1 ? first + 1 : second + 1;
    const std::size_t end = index == 0 ? first : index == 1 ? second : jwt.size();
    return jwt.substr(0, begin) + segment + jwt.substr(end);
}

TEST_F(JwtAttack, TamperedPayloadFailsTheSignature) {
    json payload = claims();
    const std::string genuine = rs256(payload);
    payload["tenant"] = "victim-corp";
    const std::string forged = replace_segment(genuine, 1, base64url_encode(payload.dump()));
    EXPECT_EQ(error_of(verify(forged)), JwtError::bad_signature);

    const std::string genuine_ec = es256(claims());
    payload = claims();
    payload["models"] = "everything";
    EXPECT_EQ(error_of(verify(replace_segment(genuine_ec, 1, base64url_encode(payload.dump())))),
              JwtError::bad_signature);
}

TEST_F(JwtAttack, TamperedSignatureFails) {
    std::string signature =
        sign(keys().rsa.get(), signing_input(header("RS256", "rsa-1"), claims()));
    signature[10] = static_cast<char>(signature[10] ^ 0x01);
    const std::string jwt = replace_segment(rs256(claims()), 2, base64url_encode(signature));
    EXPECT_EQ(error_of(verify(jwt)), JwtError::bad_signature);
}

TEST_F(JwtAttack, SignatureFromAnotherKeyFails) {
    EXPECT_EQ(error_of(verify(token(header("RS256", "rsa-1"), claims(), keys().other_rsa.get()))),
              JwtError::bad_signature);
    EXPECT_EQ(error_of(verify(token(header("ES256", "ec-1"), claims(), keys().other_ec.get()))),
              JwtError::bad_signature);
    // A PEM issuer ignores kid, so naming a kid cannot select an attacker's key either.
    EXPECT_EQ(error_of(verify(
                  token(header("RS256", "mine"), claims(rsa_pem_idp), keys().other_rsa.get()))),
              JwtError::bad_signature);
}

TEST_F(JwtAttack, AlgNoneIsRefused) {
    for (const char* alg : {"none", "None", "NONE"}) {
        const std::string unsigned_jwt = signing_input({{"alg", alg}}, claims()) + ".";
        EXPECT_TRUE(JwtVerifier::looks_like_jwt(unsigned_jwt));
        EXPECT_EQ(error_of(verify(unsigned_jwt)), JwtError::unsupported_algorithm) << alg;
        // ...and with a genuine RS256 signature pasted on.
        const std::string pasted =
            replace_segment(rs256(claims()), 0, base64url_encode(json{{"alg", alg}}.dump()));
        EXPECT_EQ(error_of(verify(pasted)), JwtError::unsupported_algorithm) << alg;
    }
}

TEST_F(JwtAttack, Hs256WithThePublicKeyAsSecretIsRefused) {
    // The classic confusion: the attacker HMACs with the (public) key bytes a naive verifier
    // would pass to its "verify" function as the HMAC secret.
    const std::string pem = public_pem(keys().rsa.get());
    const std::string jwk_n = jwk_of(keys().rsa.get(), "rsa-1")["n"].get<std::string>();
    for (const auto& [issuer, secret] : {std::pair{rsa_pem_idp, pem}, std::pair{idp, jwk_n}}) {
        const std::string jwt =
            token_signed_by(header("HS256", "rsa-1"), claims(issuer),
                            [&](std::string_view input) { return hmac_sha256(secret, input); });
        EXPECT_EQ(error_of(verify(jwt)), JwtError::unsupported_algorithm) << issuer;
    }
}

TEST_F(JwtAttack, OtherAlgorithmsAreRefused) {
    for (const char* alg : {"HS384", "HS512", "RS384", "RS512", "PS256", "ES384", "ES512", "EdDSA",
                            "rs256", "RS256 ", ""}) {
        EXPECT_EQ(error_of(verify(token(header(alg, "rsa-1"), claims(), keys().rsa.get()))),
                  JwtError::unsupported_algorithm)
            << alg;
    }
}

TEST_F(JwtAttack, AlgorithmMustMatchTheKeyType) {
    // ES256 header naming the RSA key, RS256 header naming the EC key: refused before any
    // signature check, whatever the signature.
    EXPECT_EQ(error_of(verify(token(header("ES256", "rsa-1"), claims(), keys().ec.get()))),
              JwtError::unsupported_algorithm);
    EXPECT_EQ(error_of(verify(token(header("RS256", "ec-1"), claims(), keys().rsa.get()))),
              JwtError::unsupported_algorithm);
    EXPECT_EQ(error_of(verify(rs256(claims(ec_pem_idp)))), JwtError::unsupported_algorithm);
    EXPECT_EQ(error_of(verify(es256(claims(rsa_pem_idp)))), JwtError::unsupported_algorithm);
}

TEST_F(JwtAttack, Es256SignatureMustBeRawRAndS) {
    // OpenSSL's DER form verifies with OpenSSL, but is not a JWS signature.
    const json head = header("ES256", "ec-1");
    const std::string der = token_signed_by(head, claims(), [](std::string_view input) {
        return openssl_signature(keys().ec.get(), input);
    });
    EXPECT_EQ(error_of(verify(der)), JwtError::bad_signature);
    const std::string zeros =
        replace_segment(es256(claims()), 2, base64url_encode(std::string(64, '\0')));
    EXPECT_EQ(error_of(verify(zeros)), JwtError::bad_signature);
}

TEST_F(JwtAttack, KeysInTheHeaderAreNeverTrusted) {
    // The attacker's own key embedded in the header (`jwk`) or pointed to (`jku`).
    json head = header("RS256", "attacker");
    head["jwk"] = jwk_of(keys().other_rsa.get(), "attacker");
    head["jku"] = "https://evil.example/jwks.json";
    EXPECT_EQ(error_of(verify(token(head, claims(), keys().other_rsa.get()))),
              JwtError::unknown_key);
    head["kid"] = "rsa-1";
    EXPECT_EQ(error_of(verify(token(head, claims(), keys().other_rsa.get()))),
              JwtError::bad_signature);
}

TEST_F(JwtAttack, CriticalHeaderExtensionsAreRefused) {
    json head = header("RS256", "rsa-1");
    head["crit"] = {"b64"};
    head["b64"] = false;
    EXPECT_EQ(error_of(verify(token(head, claims(), keys().rsa.get()))), JwtError::malformed);
}

}  // namespace
}  // namespace infergate::auth::testing
