#include "stages/auth/issuer_keys.hpp"

#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "stages/auth/jwk.hpp"

namespace infergate::auth {
namespace {

// Key files are a few KiB; anything far larger is a wrong path, not a key set.
constexpr std::streamsize max_key_file_size = 1024 * 1024;

std::optional<std::string> read_small_file(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) return std::nullopt;
    std::string content;
    content.resize(max_key_file_size + 1);
    in.read(content.data(), max_key_file_size + 1);
    if (in.bad() || in.gcount() > max_key_file_size) return std::nullopt;
    content.resize(static_cast<std::size_t>(in.gcount()));
    return content;
}

}  // namespace

std::variant<IssuerKeys, std::string> IssuerKeys::from_jwks_file(const std::string& path) {
    const auto content = read_small_file(path);
    if (!content) return "cannot read jwks_file " + path;
    const auto jwks = nlohmann::json::parse(*content, nullptr, /*allow_exceptions=*/false);
    if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
        return "jwks_file " + path + " is not a JWKS (a JSON object with a `keys` array)";
    }
    IssuerKeys result;
    std::size_t index = 0;
    for (const auto& jwk : jwks["keys"]) {
        ++index;
        if (!jwk_is_usable(jwk)) continue;
        const auto kid_it = jwk.find("kid");
        std::string kid =
            kid_it != jwk.end() && kid_it->is_string() ? kid_it->get<std::string>() : std::string{};
        const std::string where = "jwks_file " + path + " key " + std::to_string(index) +
                                  (kid.empty() ? "" : " (kid \"" + kid + "\")");
        if (result.find(kid) != nullptr) return where + ": duplicate kid";
        auto key = verify_key_from_jwk(jwk);
        if (auto* reason = std::get_if<std::string>(&key)) return where + ": " + *reason;
        result.keys_.emplace_back(std::move(kid), std::get<VerifyKey>(std::move(key)));
    }
    if (result.keys_.empty()) return "jwks_file " + path + " has no RSA or EC P-256 signing key";
    return result;
}

std::variant<IssuerKeys, std::string> IssuerKeys::from_pem_file(const std::string& path) {
    const auto content = read_small_file(path);
    if (!content) return "cannot read pem_file " + path;
    auto key = verify_key_from_pem(*content);
    if (auto* reason = std::get_if<std::string>(&key)) return "pem_file " + path + ": " + *reason;
    IssuerKeys result;
    result.keys_.emplace_back(std::string{}, std::get<VerifyKey>(std::move(key)));
    result.single_pem_key_ = true;
    return result;
}

const VerifyKey* IssuerKeys::find(std::optional<std::string_view> kid) const noexcept {
    if (single_pem_key_ || (!kid && keys_.size() == 1)) return &keys_.front().second;
    if (!kid) return nullptr;
    for (const auto& [key_id, key] : keys_) {
        if (key_id == *kid) return &key;
    }
    return nullptr;
}

}  // namespace infergate::auth
