#include "sections.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "access_sections.hpp"
#include "cache_section.hpp"
#include "diagnostics.hpp"
#include "endpoints.hpp"
#include "names.hpp"
#include "policy_section.hpp"
#include "routing_section.hpp"
#include "scalars.hpp"
#include "server_tls_section.hpp"

namespace infergate::config {

namespace {

// A backend can have up to this many connections per worker; past it, a typo is likelier.
constexpr std::int64_t max_pool_connections = 100000;
constexpr unsigned max_workers = 1024;
// Client connections for the whole gateway; past it, a typo is likelier.
constexpr std::int64_t max_client_connections = 10000000;

void read_server(const Context& ctx, const Field& field, ServerSettings& server) {
    MapReader map{ctx, field};
    if (const auto listen = map.take("listen")) {
        if (const auto text = read_text(ctx, *listen); text && text->value == "none") {
            server.plain_listener = false;  // HTTPS only
        } else if (text) {
            Checked<ListenAddress> address = parse_listen(text->value, text->quote());
            if (address.value) {
                server.listen_host = std::move(address.value->host);
                server.listen_port = address.value->port;
            } else {
                ctx.error(listen->value_at(), listen->path, std::move(address.error));
            }
        }
    }
    integer_into(ctx, map, "workers", 0, max_workers, server.workers);
    size_into(ctx, map, "max_header_bytes", server.max_header_bytes);
    size_into(ctx, map, "max_body_bytes", server.max_body_bytes);
    size_into(ctx, map, "max_buffered_body_bytes", server.max_buffered_body_bytes);
    duration_into(ctx, map, "header_timeout", server.header_timeout);
    duration_into(ctx, map, "body_timeout", server.body_timeout);
    duration_into(ctx, map, "idle_timeout", server.idle_timeout);
    duration_into(ctx, map, "write_timeout", server.write_timeout);
    duration_into(ctx, map, "drain_timeout", server.drain_timeout);
    if (const auto watch = map.take("watch_config")) {
        if (const auto value = read_bool(ctx, *watch)) server.watch_config = *value;
    }
    integer_into(ctx, map, "max_connections", 1, max_client_connections, server.max_connections);
    integer_into(ctx, map, "reserved_connections", 0, max_client_connections,
               server.reserved_connections);
    if (const auto cache = map.take("cache")) read_cache_storage(ctx, *cache, server.cache.emplace());
    const auto tls = map.take("tls");
    if (tls) read_server_tls(ctx, *tls, server.tls.emplace());
    if (!server.plain_listener && !server.tls) {
        ctx.error(field.value_at(), field.child("listen"), "none leaves no listener: add a tls section");
    }
    if (tls && server.plain_listener && server.tls->listen_port != 0 &&
        server.tls->listen_port == server.listen_port && server.tls->listen_host == server.listen_host) {
        ctx.error(tls->value_at(), tls->path, "its listen address must differ from server.listen");
    }
    map.reject_unknown();
}

void read_log(const Context& ctx, const Field& field, LogSettings& log) {
    static constexpr std::array<std::string_view, 7> levels{"trace", "debug",    "info", "warn",
                                                            "error", "critical", "off"};
    MapReader map{ctx, field};
    if (const auto level = map.take("level")) {
        if (const auto index = read_choice(ctx, *level, "log level",
                                           {levels[0], levels[1], levels[2], levels[3], levels[4],
                                            levels[5], levels[6]})) {
            log.level = levels[*index];
        }
    }
    if (const auto access = map.take("access_log")) {
        MapReader access_map{ctx, *access};
        if (const auto format = access_map.take("format")) {
            if (const auto index = read_choice(ctx, *format, "access log format", {"json", "text"})) {
                log.access_format = *index == 0 ? LogFormat::json : LogFormat::text;
            }
        }
        if (const auto path = access_map.take("path")) {
            if (auto text = read_nonempty_string(ctx, *path)) log.access_path = std::move(*text);
        }
        access_map.reject_unknown();
    }
    map.reject_unknown();
}

void read_provider(const Context& ctx, const Field& field, Provider& provider) {
    const auto index = read_choice(ctx, field, "provider", {"openai", "azure_openai", "anthropic", "gemini"});
    if (index) provider = static_cast<Provider>(*index);
}

// The keys only some providers have, and each provider's defaults.
void read_provider_settings(const Context& ctx, MapReader& map, Backend& backend) {
    constexpr std::string_view kAzureApiVersion = "2024-10-21";      // Azure OpenAI's GA version
    constexpr std::string_view kAnthropicVersion = "2023-06-01";     // what the Messages API needs
    const bool azure = backend.provider == Provider::azure_openai;
    const bool anthropic = backend.provider == Provider::anthropic;
    if (const auto field = map.take("api_version")) {
        if (!azure && !anthropic) {
            ctx.error(field->key_at, field->path, "only azure_openai and anthropic backends have an api_version");
        } else if (auto text = read_text(ctx, *field)) {
            // It goes into a query string or a header as written: a plain token only.
            const bool plain = !text->value.empty() && std::all_of(text->value.begin(), text->value.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
            });
            if (plain) {
                backend.api_version = std::move(text->value);
            } else {
                ctx.error(field->value_at(), field->path,
                          "api_version " + text->show(text->value) +
                              " may only contain letters, digits, \"-\", \".\" and \"_\"");
            }
        }
    }
    if (backend.api_version.empty()) {
        if (azure) backend.api_version = kAzureApiVersion;
        if (anthropic) backend.api_version = kAnthropicVersion;
    }
    if (const auto field = map.take("default_max_tokens")) {
        if (!anthropic) {
            ctx.error(field->key_at, field->path, "only anthropic backends have a default_max_tokens");
        } else if (const auto value = read_integer(ctx, *field, 1, 100'000'000)) {
            backend.default_max_tokens = *value;
        }
    }
}

void read_url(const Context& ctx, const Field& field, Backend& backend) {
    auto text = read_text(ctx, field);
    if (!text) return;
    if (text->value.empty()) {
        ctx.error(field.value_at(), field.path, "must not be empty");
        return;
    }
    Checked<BackendUrl> url = parse_backend_url(text->value, text->quote());
    if (!url.value) {
        ctx.error(field.value_at(), field.path, std::move(url.error));
        return;
    }
    backend.url = std::move(text->value);
    backend.tls = url.value->tls;
    backend.host = std::move(url.value->host);
    backend.port = url.value->port;
    backend.base_path = std::move(url.value->base_path);
}

void read_backend_limits(const Context& ctx, MapReader& map, Backend& backend) {
    if (const auto field = map.take("timeouts")) {
        MapReader timeouts{ctx, *field};
        duration_into(ctx, timeouts, "connect", backend.timeouts.connect);
        duration_into(ctx, timeouts, "first_byte", backend.timeouts.first_byte);
        duration_into(ctx, timeouts, "idle", backend.timeouts.idle);
        duration_into(ctx, timeouts, "total", backend.timeouts.total);
        timeouts.reject_unknown();
    }
    if (const auto field = map.take("pool")) {
        MapReader pool{ctx, *field};
        integer_into(ctx, pool, "max_connections", 1, max_pool_connections, backend.pool.max_connections);
        duration_into(ctx, pool, "idle_timeout", backend.pool.idle_timeout);
        duration_into(ctx, pool, "acquire_timeout", backend.pool.acquire_timeout);
        pool.reject_unknown();
    }
    size_into(ctx, map, "max_response_bytes", backend.max_response_bytes);
    size_into(ctx, map, "max_event_bytes", backend.max_event_bytes);
}

void read_tls(const Context& ctx, const Field& field, TlsSettings& tls) {
    MapReader map{ctx, field};
    if (const auto ca = map.take("ca_file")) {
        if (auto path = read_file_path(ctx, *ca)) tls.ca_file = std::move(*path);
    }
    if (const auto skip = map.take("insecure_skip_verify")) {
        if (const auto value = read_bool(ctx, *skip)) tls.insecure_skip_verify = *value;
    }
    map.reject_unknown();
}

void read_backend(const Context& ctx, const Field& field, Backend& backend) {
    // Names end up in logs and metric labels: keep them plain.
    if (!is_label_name(backend.name)) {
        ctx.error(field.key_at, field.path,
                  "backend names may only contain letters, digits, \".\", \"_\" and \"-\"");
    }
    MapReader map{ctx, field};
    if (const auto url = map.require("url")) read_url(ctx, *url, backend);
    if (const auto provider = map.take("provider")) read_provider(ctx, *provider, backend.provider);
    read_provider_settings(ctx, map, backend);
    if (const auto key = map.take("api_key")) {
        // read_string never echoes the value, so the key cannot leak through an error.
        if (auto text = read_string(ctx, *key)) backend.api_key = Secret{std::move(*text)};
    }
    if (const auto tls = map.take("tls")) read_tls(ctx, *tls, backend.tls_settings);
    read_backend_limits(ctx, map, backend);
    read_backend_resilience(ctx, map, backend);
    map.reject_unknown();
}

bool is_valid_model_name(std::string_view name) {
    if (name.empty()) return false;
    for (const char c : name) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) return false;
    }
    return true;
}

void read_model(const Context& ctx, const Field& field, const Config& config, Model& model) {
    if (!is_valid_model_name(model.name)) {
        ctx.error(field.key_at, field.path,
                  "model names must not be empty or contain spaces or control characters");
    }
    MapReader map{ctx, field};
    if (const auto alias = map.take("alias")) {
        // Another name for a model: everything (targets, prices, limits) is that model's.
        if (auto name = read_nonempty_string(ctx, *alias)) model.alias_of = std::move(*name);
        map.reject_unknown();
        return;
    }
    if (const auto targets = map.require("targets")) {
        const std::vector<Field> items = read_sequence(ctx, *targets);
        if (items.empty() && (targets->node.IsNull() || targets->node.IsSequence())) {
            ctx.error(targets->value_at(), targets->path, "must have at least one target");
        }
        for (const Field& item : items) {
            Target target;
            MapReader target_map{ctx, item};
            if (const auto backend = target_map.require("backend")) {
                if (auto name = read_text(ctx, *backend)) {
                    if (!config.backends.contains(name->value)) {
                        ctx.error(backend->value_at(), backend->path,
                                  "unknown backend " + name->show(name->value));
                    }
                    target.backend = std::move(name->value);
                }
            }
            if (const auto upstream = target_map.take("model")) {
                if (auto name = read_nonempty_string(ctx, *upstream)) {
                    target.model = std::move(*name);
                }
            }
            integer_into(ctx, target_map, "weight", 1, 1'000'000, target.weight);
            target_map.reject_unknown();
            for (const Target& other : model.targets) {
                if (other.backend == target.backend && other.model == target.model) {
                    ctx.error(item.key_at, item.path, "the same backend and model twice");
                }
            }
            model.targets.push_back(std::move(target));
        }
        if (model.name == "*") {
            for (const Target& target : model.targets) {
                if (!target.model.empty()) {
                    ctx.error(targets->value_at(), targets->path,
                              "the \"*\" route sends the requested name upstream: its targets take no model");
                    break;
                }
            }
        }
    }
    read_model_routing(ctx, map, model);
    if (model.retry.attempts == 0) model.retry.attempts = model.targets.size() > 1 ? 2 : 1;
    if (const auto pricing = map.take("pricing")) read_pricing(ctx, *pricing, model.pricing);
    if (const auto weights = map.take("token_weights")) read_token_weights(ctx, *weights, model.token_weights);
    if (const auto policies = map.take("policies")) read_policy(ctx, *policies, model.policies);
    if (const auto cache = map.take("cache")) read_cache_policy(ctx, *cache, config, model.cache.emplace());
    map.reject_unknown();
}

}  // namespace

void read_document(const Context& ctx, const YAML::Node& root, Config& config) {
    MapReader map{ctx, Field{root, "", location_of(root)}};
    if (const auto server = map.take("server")) read_server(ctx, *server, config.server);
    if (const auto log = map.take("log")) read_log(ctx, *log, config.log);

    if (const auto field = map.require("backends")) {
        MapReader backends{ctx, *field};
        if (backends.is_map() && backends.take_all().empty()) {
            ctx.error(field->value_at(), field->path, "must define at least one backend");
        }
        for (MapReader::Entry& entry : backends.take_all()) {
            // Registered even when invalid, so models naming it do not add "unknown backend".
            Backend& backend = config.backends[entry.key];
            backend.name = entry.key;
            read_backend(ctx, entry.field, backend);
        }
    }
    if (const auto field = map.require("models")) {
        MapReader models{ctx, *field};
        if (models.is_map() && models.take_all().empty()) {
            ctx.error(field->value_at(), field->path, "must define at least one model");
        }
        for (MapReader::Entry& entry : models.take_all()) {
            Model& model = config.models[entry.key];
            model.name = entry.key;
            read_model(ctx, entry.field, config, model);
        }
    }
    // Tenants, then auth: keys name tenants and models, and unknown names are reported.
    if (const auto tenants = map.take("tenants")) read_tenants(ctx, *tenants, config);
    if (const auto auth = map.take("auth")) read_auth(ctx, *auth, config);
    if (const auto admin = map.take("admin")) read_admin(ctx, *admin, config);
    if (const auto quota = map.take("quota")) read_quota(ctx, *quota, config.quota);
    if (const auto routing = map.take("routing")) read_routing(ctx, *routing, config);
    map.reject_unknown();
    check_model_references(ctx, root, config);
}

}  // namespace infergate::config
