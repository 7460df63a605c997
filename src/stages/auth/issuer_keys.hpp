// The keys of one trusted issuer, read from its JWKS or PEM file once, at start-up.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "stages/auth/verify_key.hpp"

namespace infergate::auth {

class IssuerKeys {
public:
    // From a JWKS file: every usable key, by `kid`. Errors name the file, never key material.
    static std::variant<IssuerKeys, std::string> from_jwks_file(const std::string& path);
    // From a PEM file: one key, used whatever `kid` a token names.
    static std::variant<IssuerKeys, std::string> from_pem_file(const std::string& path);

    // The key for a token's `kid`. A token without `kid` gets the issuer's key only when there
    // is exactly one, so a key is never guessed among several.
    const VerifyKey* find(std::optional<std::string_view> kid) const noexcept;

private:
    std::vector<std::pair<std::string, VerifyKey>> keys_;  // a JWKS holds a handful: scan
    bool single_pem_key_ = false;
};

}  // namespace infergate::auth
