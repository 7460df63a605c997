// Accepted tokens and the claims they yield; the time and audience checks.
#include "jwt_test_fixture.hpp"

namespace infergate::auth::testing {
namespace {

using ::testing::ElementsAre;

TEST_F(JwtTest, AcceptsRs256FromJwksAndReadsClaims) {
    const JwtPrincipal principal = accepted(verify(rs256(claims())));
    EXPECT_EQ(principal.issuer, idp);
    EXPECT_EQ(principal.subject, "user-42");
    EXPECT_EQ(principal.tenant, "acme");
    ASSERT_TRUE(principal.models.has_value());
    EXPECT_THAT(*principal.models, ElementsAre("gpt-4o", "llama-3"));
    EXPECT_EQ(principal.expires, now + 600s);
}

TEST_F(JwtTest, AcceptsEs256FromJwks) {
    EXPECT_EQ(accepted(verify(es256(claims()))).subject, "user-42");
}

TEST_F(JwtTest, PemIssuersUseTheirOneKeyWhateverTheKid) {
    EXPECT_EQ(accepted(verify(rs256(claims(rsa_pem_idp), "anything"))).issuer, rsa_pem_idp);
    EXPECT_EQ(accepted(verify(es256(claims(ec_pem_idp), "ec-1"))).issuer, ec_pem_idp);
    const json no_kid = {{"alg", "ES256"}};
    EXPECT_EQ(accepted(verify(token(no_kid, claims(ec_pem_idp), keys().ec.get()))).issuer,
              ec_pem_idp);
}

TEST_F(JwtTest, JwksKeyIsChosenByKid) {
    EXPECT_EQ(error_of(verify(rs256(claims(), "rsa-2"))), JwtError::unknown_key);
    // Two keys and no kid: the verifier does not guess.
    const json no_kid = {{"alg", "RS256"}};
    EXPECT_EQ(error_of(verify(token(no_kid, claims(), keys().rsa.get()))), JwtError::unknown_key);
}

TEST_F(JwtTest, OptionalClaimsMayBeAbsent) {
    json payload = claims();
    for (const char* name : {"sub", "tenant", "models", "nbf", "iat"}) payload.erase(name);
    const JwtPrincipal principal = accepted(verify(rs256(payload)));
    EXPECT_EQ(principal.subject, "");
    EXPECT_EQ(principal.tenant, "");
    EXPECT_EQ(principal.models, std::nullopt);  // no claim, which is not "no models"
}

TEST_F(JwtTest, ModelsClaimAsSpaceSeparatedStringOrEmptyList) {
    json payload = claims();
    payload["models"] = " gpt-4o  llama-3 mistral ";
    EXPECT_THAT(accepted(verify(rs256(payload))).models.value_or(std::vector<std::string>{}),
                ElementsAre("gpt-4o", "llama-3", "mistral"));
    payload["models"] = json::array();
    EXPECT_EQ(accepted(verify(rs256(payload))).models, std::vector<std::string>{});
}

TEST_F(JwtTest, TenantAndModelsClaimNamesComeFromSettings) {
    JwtIssuerSettings settings = jwks_issuer();
    settings.tenant_claim = "org_id";
    settings.models_claim = "scope";
    const JwtVerifier custom = created({settings});
    json payload = claims();
    payload["org_id"] = "globex";
    payload["scope"] = "embed chat";
    const JwtPrincipal principal = accepted(custom.verify(rs256(payload), now));
    EXPECT_EQ(principal.tenant, "globex");
    EXPECT_THAT(principal.models.value_or(std::vector<std::string>{}),
                ElementsAre("embed", "chat"));
}

TEST_F(JwtTest, AudienceMayBeAnArrayAndMustMatchOneConfigured) {
    json payload = claims();
    payload["aud"] = {"someone-else", "infergate-admin"};
    EXPECT_EQ(accepted(verify(rs256(payload))).issuer, idp);
    payload["aud"] = {"someone-else", "INFERGATE"};
    EXPECT_EQ(error_of(verify(rs256(payload))), JwtError::wrong_audience);
    payload["aud"] = "someone-else";
    EXPECT_EQ(error_of(verify(rs256(payload))), JwtError::wrong_audience);
    payload["aud"] = json::array();
    EXPECT_EQ(error_of(verify(rs256(payload))), JwtError::wrong_audience);
    // Audiences are per issuer: the RSA PEM issuer does not accept infergate-admin.
    json pem_payload = claims(rsa_pem_idp);
    pem_payload["aud"] = "infergate-admin";
    EXPECT_EQ(error_of(verify(rs256(pem_payload))), JwtError::wrong_audience);
}

TEST_F(JwtTest, RequiredClaimsMustBePresent) {
    for (const char* name : {"iss", "aud", "exp"}) {
        json payload = claims();
        payload.erase(name);
        EXPECT_EQ(error_of(verify(rs256(payload))), JwtError::missing_claim) << name;
    }
}

TEST_F(JwtTest, ClaimsOfTheWrongTypeAreMalformed) {
    const std::vector<std::pair<const char*, json>> cases = {{"iss", 7},
                                                             {"aud", 7},
                                                             {"aud", {"infergate", 7}},
                                                             {"exp", "tomorrow"},
                                                             {"exp", -1},
                                                             {"nbf", true},
                                                             {"iat", {1}},
                                                             {"sub", 42},
                                                             {"tenant", 42},
                                                             {"models", 42},
                                                             {"models", {"gpt-4o", 1}},
                                                             {"exp", 1e300}};
    for (const auto& [name, value] : cases) {
        json payload = claims();
        payload[name] = value;
        EXPECT_EQ(error_of(verify(rs256(payload))), JwtError::malformed) << name << "=" << value;
    }
}

TEST_F(JwtTest, UnknownIssuerIsRefused) {
    EXPECT_EQ(error_of(verify(rs256(claims("https://evil.example")))), JwtError::unknown_issuer);
    // Exact match only.
    EXPECT_EQ(error_of(verify(rs256(claims("https://idp.example/")))), JwtError::unknown_issuer);
}

TEST_F(JwtTest, ExpiredOnceExpPlusLeewayIsReached) {
    json payload = claims();
    payload["exp"] = at(-31s);
    EXPECT_EQ(error_of(verify(rs256(payload))), JwtError::expired);
    payload["exp"] = at(-30s);  // now == exp + leeway: RFC 7519 wants now strictly before
    EXPECT_EQ(error_of(verify(rs256(payload))), JwtError::expired);
    payload["exp"] = at(-29s);  // expired 29 s ago, within the default 30 s leeway
    EXPECT_EQ(accepted(verify(rs256(payload))).expires, now - 29s);
    payload["exp"] = static_cast<double>(at(-29s)) + 0.75;  // fractional NumericDate
    EXPECT_EQ(accepted(verify(rs256(payload))).expires, now - 29s);
}

TEST_F(JwtTest, NotYetValidBeyondLeeway) {
    for (const char* name : {"nbf", "iat"}) {
        json payload = claims();
        payload[name] = at(31s);
        EXPECT_EQ(error_of(verify(rs256(payload))), JwtError::not_yet_valid) << name;
        payload[name] = at(30s);  // clock skew within the leeway
        EXPECT_EQ(accepted(verify(rs256(payload))).issuer, idp) << name;
    }
}

TEST_F(JwtTest, LeewayComesFromTheIssuerSettings) {
    JwtIssuerSettings settings = jwks_issuer();
    settings.leeway = 0s;
    const JwtVerifier strict = created({settings});
    json payload = claims();
    payload["exp"] = at(0s);
    EXPECT_EQ(error_of(strict.verify(rs256(payload), now)), JwtError::expired);
    EXPECT_EQ(error_of(strict.verify(rs256(payload), now - 1s)), std::nullopt);
    payload = claims();
    payload["nbf"] = at(1s);
    EXPECT_EQ(error_of(strict.verify(rs256(payload), now)), JwtError::not_yet_valid);
    EXPECT_EQ(error_of(strict.verify(rs256(payload), now + 1s)), std::nullopt);
}

TEST_F(JwtTest, CopiesShareTheLoadedKeys) {
    const JwtVerifier copy = verifier;  // key files are gone after this: no reload
    std::filesystem::remove_all(std::filesystem::path{jwks_issuer().jwks_file}.parent_path());
    EXPECT_EQ(accepted(copy.verify(es256(claims()), now)).subject, "user-42");
}

}  // namespace
}  // namespace infergate::auth::testing
