// verify() is called from several worker threads at once on one shared verifier.
#include <thread>

#include "jwt_test_fixture.hpp"

namespace infergate::auth::testing {
namespace {

using JwtThreads = JwtTest;

TEST_F(JwtThreads, FourThreadsGetTheSameResultsAsOne) {
    json expired = claims();
    expired["exp"] = at(-3600s);
    json tampered = claims();
    tampered["tenant"] = "other";
    const std::string good_rs = rs256(claims());
    const std::vector<std::string> tokens = {
        good_rs,
        es256(claims()),
        rs256(claims(rsa_pem_idp)),
        es256(claims(ec_pem_idp)),
        rs256(expired),
        token(header("ES256", "ec-1"), claims(), keys().other_ec.get()),
        good_rs.substr(0, good_rs.find('.') + 1) + base64url_encode(tampered.dump()) +
            good_rs.substr(good_rs.rfind('.')),
        signing_input({{"alg", "none"}}, claims()) + ".",
        "not.a.jwt",
    };
    const auto outcome = [&](const std::string& jwt) {
        const Result result = verify(jwt);
        const auto error = error_of(result);
        return error ? std::string{describe(*error)} : std::get<JwtPrincipal>(result).issuer;
    };
    std::vector<std::string> expected;
    for (const auto& jwt : tokens) expected.push_back(outcome(jwt));
    ASSERT_EQ(expected[0], idp);
    ASSERT_EQ(expected[4], describe(JwtError::expired));
    ASSERT_EQ(expected[6], describe(JwtError::bad_signature));

    constexpr int threads = 4;
    constexpr int rounds = 50;
    std::vector<std::vector<std::string>> seen(threads);
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (int round = 0; round < rounds; ++round) {
                    // Each thread walks the tokens from a different start, so different
                    // keys and failure paths run at the same moment.
                    for (std::size_t i = 0; i < tokens.size(); ++i) {
                        const std::size_t k = (i + t) % tokens.size();
                        if (outcome(tokens[k]) != expected[k]) seen[t].push_back(tokens[k]);
                    }
                }
            });
        }
    }
    for (int t = 0; t < threads; ++t) EXPECT_TRUE(seen[t].empty()) << "thread " << t;
}

}  // namespace
}  // namespace infergate::auth::testing
