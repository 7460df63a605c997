#include "jwt_section.hpp"

#include <chrono>

#include "names.hpp"
#include "scalars.hpp"

namespace infergate::config {
namespace {

// Far above any real clock skew, and what the verifier accepts.
constexpr std::chrono::hours kMaxLeeway{24};

// `audience: infergate` or `audience: [a, b]`.
std::vector<std::string> read_audiences(const Context& ctx, const Field& field) {
    std::vector<std::string> values;
    if (field.node.IsScalar()) {
        if (auto text = read_nonempty_string(ctx, field)) values.push_back(std::move(*text));
        return values;
    }
    for (const Field& item : read_sequence(ctx, field)) {
        if (auto text = read_nonempty_string(ctx, item)) values.push_back(std::move(*text));
    }
    if (field.node.IsNull() || (field.node.IsSequence() && field.node.size() == 0)) {
        ctx.error(field.value_at(), field.path, "needs at least one audience");
    }
    return values;
}

void read_claim_name(const Context& ctx, MapReader& map, std::string_view key, std::string& out) {
    if (const auto claim = map.take(key)) {
        if (auto text = read_nonempty_string(ctx, *claim)) out = std::move(*text);
    }
}

void read_leeway(const Context& ctx, const Field& field, std::chrono::seconds& out) {
    const auto value = read_duration(ctx, field, /*allow_zero=*/true);
    if (!value) return;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*value);
    if (seconds != *value) {
        ctx.error(field.value_at(), field.path, "must be whole seconds");
    } else if (seconds > kMaxLeeway) {
        ctx.error(field.value_at(), field.path, "must be at most 24h");
    } else {
        out = seconds;
    }
}

void read_issuer(const Context& ctx, const Field& field, JwtIssuer& issuer) {
    MapReader map{ctx, field};
    if (const auto name = map.require("name")) {
        if (auto text = read_nonempty_string(ctx, *name)) {
            if (!is_label_name(*text)) {
                ctx.error(name->value_at(), name->path,
                          "issuer names may only contain letters, digits, \".\", \"_\" and \"-\" "
                          "(they appear in logs and metrics)");
            }
            issuer.name = std::move(*text);
            issuer.principal_id = "jwt:" + issuer.name;
        }
    }
    if (const auto iss = map.require("issuer")) {
        if (auto text = read_nonempty_string(ctx, *iss)) issuer.issuer = std::move(*text);
    }
    if (const auto audience = map.require("audience")) issuer.audiences = read_audiences(ctx, *audience);
    const auto jwks = map.take("jwks_file");
    const auto pem = map.take("pem_file");
    if (jwks) issuer.jwks_file = read_file_path(ctx, *jwks).value_or("");
    if (pem) issuer.pem_file = read_file_path(ctx, *pem).value_or("");
    if (map.is_map() && jwks.has_value() == pem.has_value()) {
        ctx.error(field.key_at, field.path, "needs exactly one of jwks_file or pem_file");
    }
    read_claim_name(ctx, map, "tenant_claim", issuer.tenant_claim);
    read_claim_name(ctx, map, "models_claim", issuer.models_claim);
    if (const auto leeway = map.take("leeway")) read_leeway(ctx, *leeway, issuer.leeway);
    map.reject_unknown();
}

}  // namespace

void read_jwt_issuers(const Context& ctx, const Field& field, std::vector<JwtIssuer>& issuers) {
    for (const Field& item : read_sequence(ctx, field)) {
        JwtIssuer issuer;
        read_issuer(ctx, item, issuer);
        for (const JwtIssuer& other : issuers) {
            if (!issuer.name.empty() && other.name == issuer.name) {
                ctx.error(item.key_at, item.path, "duplicate issuer name \"" + issuer.name + "\"");
            }
            if (!issuer.issuer.empty() && other.issuer == issuer.issuer) {
                ctx.error(item.key_at, item.path, "same issuer as \"" + other.name + "\"");
            }
        }
        issuers.push_back(std::move(issuer));
    }
}

}  // namespace infergate::config
