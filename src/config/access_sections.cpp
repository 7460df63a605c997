#include "access_sections.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <sstream>

#include <strings.h>

#include <date/date.h>
#include <date/tz.h>

#include "cache_section.hpp"
#include "jwt_section.hpp"
#include "policy_section.hpp"
#include "scalars.hpp"

namespace infergate::config {
namespace {

constexpr std::int64_t kMaxCount = 1'000'000'000'000;  // requests or tokens per window

void count_into(const Context& ctx, MapReader& map, std::string_view key, std::int64_t& out) {
    integer_into(ctx, map, key, 1, kMaxCount, out);
}

// The limit keys shared by a scope and by each of its per-model entries.
void read_limit_values(const Context& ctx, MapReader& map, Limits& limits) {
    count_into(ctx, map, "requests_per_minute", limits.requests_per_minute);
    count_into(ctx, map, "requests_per_day", limits.requests_per_day);
    count_into(ctx, map, "tokens_per_minute", limits.tokens_per_minute);
    count_into(ctx, map, "tokens_per_day", limits.tokens_per_day);
    count_into(ctx, map, "tokens_per_week", limits.tokens_per_week);
    count_into(ctx, map, "tokens_per_month", limits.tokens_per_month);
    count_into(ctx, map, "concurrency", limits.concurrency);
    count_into(ctx, map, "max_stream_tokens", limits.max_stream_tokens);
    micros_into(ctx, map, "budget_usd_per_day", limits.budget_micro_usd_per_day);
    micros_into(ctx, map, "budget_usd_per_week", limits.budget_micro_usd_per_week);
    micros_into(ctx, map, "budget_usd_per_month", limits.budget_micro_usd_per_month);
    if (const auto mode = map.take("mode")) {
        if (const auto index = read_choice(ctx, *mode, "mode", {"enforce", "shadow"})) {
            limits.mode = *index == 0 ? LimitMode::enforce : LimitMode::shadow;
        }
    }
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool is_glob(std::string_view pattern) {
    return pattern.find_first_of("*?[") != std::string_view::npos;
}

void check_model_name(const Context& ctx, const Field& field, const Text& name, const Config& config) {
    if (!is_glob(name.value) && !config.models.contains(name.value)) {
        ctx.error(field.value_at(), field.path, "unknown model " + name.show(name.value));
    }
}

void read_scope_limits(const Context& ctx, const Field& field, const Config& config,
                       ScopeLimits& limits) {
    MapReader map{ctx, field};
    read_limit_values(ctx, map, limits.all);
    if (const auto models = map.take("models")) {
        MapReader per_model{ctx, *models};
        for (MapReader::Entry& entry : per_model.take_all()) {
            if (!config.models.contains(entry.key)) {
                ctx.error(entry.field.key_at, entry.field.path, "unknown model \"" + entry.key + "\"");
            }
            Limits& model_limits = limits.per_model[entry.key];
            model_limits.mode = limits.all.mode;  // inherited unless the entry says otherwise
            MapReader model_map{ctx, entry.field};
            read_limit_values(ctx, model_map, model_limits);
            model_map.reject_unknown();
        }
    }
    map.reject_unknown();
}

std::vector<std::string> read_model_list(const Context& ctx, const Field& field, const Config& config) {
    std::vector<std::string> names;
    for (const Field& item : read_sequence(ctx, field)) {
        if (auto text = read_text(ctx, item)) {
            if (text->value.empty()) {
                ctx.error(item.value_at(), item.path, "must not be empty");
                continue;
            }
            check_model_name(ctx, item, *text, config);
            names.push_back(std::move(text->value));
        }
    }
    return names;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Never quotes the value: a pasted plaintext key must not reach the log through an error.
std::optional<Sha256> read_sha256(const Context& ctx, const Field& field) {
    const auto text = read_string(ctx, field);
    if (!text) return std::nullopt;
    Sha256 digest{};
    bool ok = text->size() == 64;
    for (std::size_t i = 0; ok && i < digest.size(); ++i) {
        const int high = hex_value((*text)[2 * i]);
        const int low = hex_value((*text)[2 * i + 1]);
        ok = high >= 0 && low >= 0;
        digest[i] = static_cast<unsigned char>(high * 16 + low);
    }
    if (!ok) {
        ctx.error(field.value_at(), field.path,
                  "expected 64 hexadecimal digits (the key's SHA-256, as `infergate hash-key` prints it)");
        return std::nullopt;
    }
    return digest;
}

std::optional<std::chrono::system_clock::time_point> read_timestamp(const Context& ctx,
                                                                   const Field& field) {
    const auto text = read_text(ctx, field);
    if (!text) return std::nullopt;
    for (const char* format : {"%FT%TZ", "%FT%T%Ez", "%F"}) {
        std::istringstream in(text->value);
        date::sys_seconds when;
        in >> date::parse(format, when);
        if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return when;
    }
    ctx.error(field.value_at(), field.path,
              "expected an RFC 3339 time like 2027-01-31T00:00:00Z, got " + text->show(text->value));
    return std::nullopt;
}

// Ids and names appear in logs and metric labels: short, and nothing to escape. Key ids have
// no '-' (it separates the id from the secret in a key); tenant names may ("team-a").
bool is_valid_id(std::string_view id, bool dash_allowed = false) {
    if (id.empty() || id.size() > 64) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '.' || (dash_allowed && c == '-');
        if (!ok) return false;
    }
    return true;
}

// What keys and certificate identities share: everything but how the caller proves it.
void read_identity(const Context& ctx, MapReader& map, const Config& config, ApiKey& key) {
    if (const auto id = map.require("id")) {
        if (auto text = read_text(ctx, *id)) {
            if (!is_valid_id(text->value)) {
                ctx.error(id->value_at(), id->path,
                          "key ids are 1-64 letters, digits, \"_\" or \".\" (they appear in logs and metrics)");
            }
            key.id = std::move(text->value);
        }
    }
    if (const auto tenant = map.take("tenant")) {
        if (auto text = read_text(ctx, *tenant)) {
            if (!config.tenants.contains(text->value)) {
                ctx.error(tenant->value_at(), tenant->path, "unknown tenant " + text->show(text->value));
            }
            key.tenant = std::move(text->value);
        }
    }
    if (const auto models = map.take("models")) key.models = read_model_list(ctx, *models, config);
    if (const auto expires = map.take("expires")) key.expires = read_timestamp(ctx, *expires);
    if (const auto enabled = map.take("enabled")) {
        if (const auto value = read_bool(ctx, *enabled)) key.enabled = *value;
    }
    if (const auto labels = map.take("labels")) {
        MapReader label_map{ctx, *labels};
        for (MapReader::Entry& entry : label_map.take_all()) {
            if (auto text = read_text(ctx, entry.field)) key.labels[entry.key] = std::move(text->value);
        }
    }
    if (const auto limits = map.take("limits")) read_scope_limits(ctx, *limits, config, key.limits);
    if (const auto priority = map.take("priority")) {
        if (const auto band = read_choice(ctx, *priority, "priority", {"low", "normal", "high"})) {
            key.priority = static_cast<int>(*band);
        }
    }
    if (const auto header = map.take("priority_header")) {
        if (const auto value = read_bool(ctx, *header)) key.priority_header = *value;
    }
    if (const auto policies = map.take("policies")) read_policy(ctx, *policies, key.policies);
    if (const auto cache = map.take("cache")) read_cache_policy(ctx, *cache, config, key.cache.emplace());
}

// One of common_name / dns / uri / email: what the certificate must carry.
void read_certificate(const Context& ctx, const Field& field, const Config& config, ClientCertificate& certificate) {
    MapReader map{ctx, field};
    constexpr std::array<std::pair<std::string_view, CertificateMatch::Kind>, 4> kinds{{
        {"common_name", CertificateMatch::Kind::common_name},
        {"dns", CertificateMatch::Kind::dns},
        {"uri", CertificateMatch::Kind::uri},
        {"email", CertificateMatch::Kind::email},
    }};
    int found = 0;
    for (const auto& [key, kind] : kinds) {
        if (const auto value = map.take(key)) {
            ++found;
            certificate.match.kind = kind;
            if (auto text = read_nonempty_string(ctx, *value)) certificate.match.value = std::move(*text);
        }
    }
    if (map.is_map() && found != 1) {
        ctx.error(field.key_at, field.path, "needs exactly one of common_name, dns, uri or email");
    }
    read_identity(ctx, map, config, certificate.identity);
    map.reject_unknown();
}

bool same_match(const CertificateMatch& a, const CertificateMatch& b) {
    if (a.kind != b.kind) return false;
    return a.kind == CertificateMatch::Kind::dns ? equal_ignoring_case(a.value, b.value) : a.value == b.value;
}

void read_client_certificates(const Context& ctx, const Field& field, Config& config) {
    const auto& tls = config.server.tls;  // server is read before auth
    if (!tls || tls->client_auth == ClientAuth::none) {
        ctx.error(field.key_at, field.path,
                  "needs server.tls with client_auth: optional or require (certificates are asked for only then)");
    }
    for (const Field& item : read_sequence(ctx, field)) {
        ClientCertificate certificate;
        read_certificate(ctx, item, config, certificate);
        const std::string& id = certificate.identity.id;
        config.auth.for_each_identity([&](const ApiKey& other) {
            if (!id.empty() && other.id == id) ctx.error(item.key_at, item.path, "duplicate key id \"" + id + "\"");
        });
        for (const ClientCertificate& other : config.auth.client_certificates) {
            if (!certificate.match.value.empty() && same_match(other.match, certificate.match)) {
                ctx.error(item.key_at, item.path, "same certificate match as \"" + other.identity.id + "\"");
            }
        }
        config.auth.client_certificates.push_back(std::move(certificate));
    }
}

}  // namespace

void read_key(const Context& ctx, const Field& field, const Config& config, ApiKey& key) {
    MapReader map{ctx, field};
    read_identity(ctx, map, config, key);
    if (const auto sha = map.require("sha256")) {
        if (const auto digest = read_sha256(ctx, *sha)) key.sha256 = *digest;
    }
    map.reject_unknown();
}

void read_tenants(const Context& ctx, const Field& field, Config& config) {
    MapReader tenants{ctx, field};
    for (MapReader::Entry& entry : tenants.take_all()) {
        Tenant& tenant = config.tenants[entry.key];
        tenant.name = entry.key;
        if (!is_valid_id(entry.key, /*dash_allowed=*/true)) {
            ctx.error(entry.field.key_at, entry.field.path,
                      "tenant names are 1-64 letters, digits, \"_\", \".\" or \"-\"");
        }
        MapReader map{ctx, entry.field};
        if (const auto models = map.take("models")) tenant.models = read_model_list(ctx, *models, config);
        if (const auto limits = map.take("limits")) read_scope_limits(ctx, *limits, config, tenant.limits);
        integer_into(ctx, map, "share", 1, 1000, tenant.share);
        map.reject_unknown();
    }
}

void read_auth(const Context& ctx, const Field& field, Config& config) {
    MapReader map{ctx, field};
    if (const auto keys = map.take("keys")) {
        for (const Field& item : read_sequence(ctx, *keys)) {
            ApiKey key;
            read_key(ctx, item, config, key);
            for (const ApiKey& other : config.auth.keys) {
                if (!key.id.empty() && other.id == key.id) {
                    ctx.error(item.key_at, item.path, "duplicate key id \"" + key.id + "\"");
                } else if (other.sha256 == key.sha256 && key.sha256 != Sha256{}) {
                    ctx.error(item.key_at, item.path, "same sha256 as key \"" + other.id + "\"");
                }
            }
            config.auth.keys.push_back(std::move(key));
        }
    }
    if (const auto jwt = map.take("jwt")) read_jwt_issuers(ctx, *jwt, config.auth.jwt);
    if (const auto certificates = map.take("client_certificates")) read_client_certificates(ctx, *certificates, config);
    integer_into(ctx, map, "max_failures_per_minute", 0, 1'000'000, config.auth.max_failures_per_minute);
    map.reject_unknown();
}

void read_admin(const Context& ctx, const Field& field, Config& config) {
    MapReader map{ctx, field};
    if (const auto file = map.take("keys_file")) {
        if (auto path = read_nonempty_string(ctx, *file)) {
            // The file itself may not exist yet (the first POST /admin/keys creates it); the
            // directory it goes in must, or that first write would fail.
            const std::size_t slash = path->rfind('/');
            const std::string directory = slash == std::string::npos ? "." : path->substr(0, std::max<std::size_t>(slash, 1));
            std::error_code ec;
            if (!std::filesystem::is_directory(directory, ec)) {
                ctx.error(file->value_at(), file->path, "no such directory " + config::quoted(directory));
            }
            config.admin.keys_file = std::move(*path);
        }
    }
    if (const auto sha = map.require("key_sha256")) {
        const auto digest = read_sha256(ctx, *sha);
        for (const ApiKey& key : config.auth.keys) {
            if (digest && key.sha256 == *digest) {
                ctx.error(sha->value_at(), sha->path, "the admin key must not also be an API key (\"" + key.id + "\")");
            }
        }
        config.admin.key_sha256 = digest;
    }
    map.reject_unknown();
}

void read_quota(const Context& ctx, const Field& field, QuotaSettings& quota) {
    MapReader map{ctx, field};
    if (const auto zone = map.take("time_zone")) {
        if (auto text = read_text(ctx, *zone)) {
            try {
                date::locate_zone(text->value);
                quota.time_zone = std::move(text->value);
            } catch (const std::exception&) {
                ctx.error(zone->value_at(), zone->path,
                          "unknown time zone " + text->show(text->value) + " (an IANA name like Europe/Berlin, or UTC)");
            }
        }
    }
    integer_into(ctx, map, "default_max_tokens", 1, kMaxCount, quota.default_max_tokens);
    map.reject_unknown();
}

void read_pricing(const Context& ctx, const Field& field, Pricing& pricing) {
    MapReader map{ctx, field};
    micros_into(ctx, map, "input_per_1m", pricing.input);
    micros_into(ctx, map, "cached_input_per_1m", pricing.cached_input);
    micros_into(ctx, map, "output_per_1m", pricing.output);
    micros_into(ctx, map, "reasoning_per_1m", pricing.reasoning);
    map.reject_unknown();
}

void read_token_weights(const Context& ctx, const Field& field, TokenWeights& weights) {
    MapReader map{ctx, field};
    auto weight = [&](std::string_view key, double& out) {
        if (const auto value_field = map.take(key)) {
            if (const auto value = read_number(ctx, *value_field, 100)) out = *value;
        }
    };
    weight("input", weights.input);
    weight("cached_input", weights.cached_input);
    weight("output", weights.output);
    weight("reasoning", weights.reasoning);
    map.reject_unknown();
}

}  // namespace infergate::config
