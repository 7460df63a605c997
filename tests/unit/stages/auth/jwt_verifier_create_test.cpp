// create(): settings checks and key files, reported as messages, never thrown.
#include "jwt_test_fixture.hpp"

namespace infergate::auth::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class JwtCreate : public JwtTest {
protected:
    std::vector<std::string> errors(const std::vector<JwtIssuerSettings>& issuers) {
        auto result = JwtVerifier::create(issuers);
        if (auto* list = std::get_if<std::vector<std::string>>(&result)) return *list;
        return {};
    }
    std::vector<std::string> jwks_errors(const json& jwks) {
        JwtIssuerSettings settings = jwks_issuer();
        settings.jwks_file = dir.write("test-jwks.json", jwks.dump());
        return errors({settings});
    }
    std::vector<std::string> pem_errors(const std::string& pem) {
        JwtIssuerSettings settings = pem_issuer(rsa_pem_idp, keys().rsa.get(), "rsa.pem");
        settings.pem_file = dir.write("test.pem", pem);
        return errors({settings});
    }
};

TEST_F(JwtCreate, SettingsAreCheckedTogether) {
    JwtIssuerSettings no_audience = jwks_issuer();
    no_audience.issuer = "https://a.example";
    no_audience.audiences = {};
    JwtIssuerSettings two_files = jwks_issuer();
    two_files.issuer = "https://b.example";
    two_files.pem_file = "/x.pem";
    JwtIssuerSettings no_file = jwks_issuer();
    no_file.issuer = "https://c.example";
    no_file.jwks_file = "";
    JwtIssuerSettings bad_leeway = jwks_issuer();
    bad_leeway.issuer = "https://d.example";
    bad_leeway.leeway = -1s;
    bad_leeway.models_claim = "";
    JwtIssuerSettings nameless = jwks_issuer();
    nameless.issuer = "";
    EXPECT_THAT(errors({jwks_issuer(), jwks_issuer(), no_audience, two_files, no_file, bad_leeway,
                        nameless}),
                ElementsAre("issuer https://idp.example: listed twice",
                            "issuer https://a.example: needs at least one audience",
                            "issuer https://b.example: set exactly one of jwks_file and pem_file",
                            "issuer https://c.example: set exactly one of jwks_file and pem_file",
                            "issuer https://d.example: models_claim is empty",
                            "issuer https://d.example: leeway must be between 0 and 86400 seconds",
                            "issuer 7: `issuer` is empty"));
}

TEST_F(JwtCreate, UnreadableFilesAreNamed) {
    JwtIssuerSettings jwks = jwks_issuer();
    jwks.jwks_file = "/nonexistent/jwks.json";
    JwtIssuerSettings pem = pem_issuer(rsa_pem_idp, keys().rsa.get(), "rsa.pem");
    pem.pem_file = "/nonexistent/key.pem";
    EXPECT_THAT(errors({jwks, pem}),
                ElementsAre("issuer https://idp.example: cannot read jwks_file "
                            "/nonexistent/jwks.json",
                            "issuer https://rsa.example: cannot read pem_file "
                            "/nonexistent/key.pem"));
}

TEST_F(JwtCreate, JwksMustBeAKeySetWithAUsableKey) {
    EXPECT_THAT(jwks_errors("not a key set"), ElementsAre(HasSubstr("is not a JWKS")));
    EXPECT_THAT(jwks_errors({{"keys", json::array()}}),
                ElementsAre(HasSubstr("has no RSA or EC P-256")));
    const json unusable = {{"keys",
                            {{{"kty", "oct"}, {"k", "c2VjcmV0"}},
                             {{"kty", "EC"}, {"crv", "P-384"}, {"x", "AA"}, {"y", "AA"}},
                             {{"kty", "RSA"}, {"use", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}},
                             {{"kty", "RSA"}, {"alg", "PS256"}, {"n", "AQAB"}, {"e", "AQAB"}}}}};
    EXPECT_THAT(jwks_errors(unusable), ElementsAre(HasSubstr("has no RSA or EC P-256")));
}

TEST_F(JwtCreate, UnusableKeysArePassedOverBesideUsableOnes) {
    const json jwks = {{"keys",
                        {{{"kty", "oct"}, {"k", "c2VjcmV0"}},
                         {{"kty", "RSA"}, {"use", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}},
                         jwk_of(keys().rsa.get(), "rsa-1")}}};
    JwtIssuerSettings settings = jwks_issuer();
    settings.jwks_file = dir.write("mixed.json", jwks.dump());
    EXPECT_EQ(accepted(created({settings}).verify(rs256(claims()), now)).issuer, idp);
}

TEST_F(JwtCreate, BrokenJwksKeysAreErrors) {
    json rsa = jwk_of(keys().rsa.get(), "rsa-1");
    json ec = jwk_of(keys().ec.get(), "ec-1");
    const auto error_for = [&](const json& key) {
        const auto list = jwks_errors({{"keys", {key}}});
        return list.empty() ? std::string{"no error"} : list.front();
    };
    json broken = rsa;
    broken["n"] = "not base64!";
    EXPECT_THAT(error_for(broken), HasSubstr("key 1 (kid \"rsa-1\"): RSA key needs"));
    broken = ec;
    broken["x"] = base64url_encode(std::string(31, 'x'));
    EXPECT_THAT(error_for(broken), HasSubstr("EC key needs 32-byte"));
    broken = ec;
    broken["y"] = broken["x"];  // (x, x) is not on the curve
    EXPECT_THAT(error_for(broken), HasSubstr("invalid public key"));
    const ossl::Pkey small = generate_rsa(1024);
    EXPECT_THAT(error_for(jwk_of(small.get(), "small")), HasSubstr("smaller than 2048 bits"));
    EXPECT_THAT(jwks_errors({{"keys", {rsa, jwk_of(keys().other_rsa.get(), "rsa-1")}}}),
                ElementsAre(HasSubstr("key 2 (kid \"rsa-1\"): duplicate kid")));
}

TEST_F(JwtCreate, PemMustHoldOneAcceptedPublicKey) {
    EXPECT_THAT(pem_errors("hello"), ElementsAre(HasSubstr("no PEM public key")));
    // A private key file given by mistake is not read as one.
    ossl::Bio bio{BIO_new(BIO_s_mem())};
    PEM_write_bio_PrivateKey(bio.get(), keys().ec.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const std::string private_pem(data, BIO_get_mem_data(bio.get(), &data));
    EXPECT_THAT(pem_errors(private_pem), ElementsAre(HasSubstr("no PEM public key")));
    const ossl::Pkey p384 = generate_ec("P-384");
    EXPECT_THAT(pem_errors(public_pem(p384.get())), ElementsAre(HasSubstr("not on curve P-256")));
    const ossl::Pkey small = generate_rsa(1024);
    EXPECT_THAT(pem_errors(public_pem(small.get())),
                ElementsAre(HasSubstr("smaller than 2048 bits")));
    const ossl::Pkey ed = ossl::Pkey{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
    EXPECT_THAT(pem_errors(public_pem(ed.get())), ElementsAre(HasSubstr("neither an RSA")));
}

TEST_F(JwtCreate, NoIssuersMeansEveryTokenIsUnknown) {
    EXPECT_EQ(error_of(created({}).verify(rs256(claims()), now)), JwtError::unknown_issuer);
}

}  // namespace
}  // namespace infergate::auth::testing
