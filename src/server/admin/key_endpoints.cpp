// GET /admin/keys (every key: the config's and the runtime ones, no hashes), POST /admin/keys
// (create a runtime key; the only answer that ever holds it), DELETE /admin/keys/{id}.
#include <nlohmann/json.hpp>

#include "infergate/config/config_json.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/server/admin/admin_body.hpp"
#include "infergate/server/admin/runtime_keys.hpp"
#include "infergate/server/gateway.hpp"
#include "resources.hpp"

namespace infergate::server::admin {
namespace {

using Json = nlohmann::ordered_json;

Json key_entry(const config::ApiKey& key) {
    Json entry = config::render_key(key, /*with_sha256=*/false);
    entry["source"] = key.runtime ? "keys_file" : "config";
    return entry;
}

std::string dump(const Json& body) { return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

LocalAnswer list_keys(const Snapshot& snapshot) {
    Json data = Json::array();
    for (const config::ApiKey& key : snapshot.config.auth.keys) data.push_back(key_entry(key));
    return json_answer(dump(Json{{"object", "list"},
                                 {"runtime_keys", !snapshot.config.admin.keys_file.empty()},
                                 {"data", std::move(data)}}));
}

net::awaitable<LocalAnswer> create_key(const LocalRequest& request) {
    auto parsed = parse_object(request.body);
    if (auto* error = std::get_if<api::Error>(&parsed)) co_return error_answer(std::move(*error));
    const nlohmann::json& body = std::get<nlohmann::json>(parsed);
    // What the keys file can hold back exactly; policies and cache stay in the config file.
    if (auto error = reject_unknown(body, {"id", "tenant", "models", "expires", "enabled", "labels", "limits",
                                           "priority", "priority_header"})) {
        co_return error_answer(std::move(*error));
    }
    auto id = string_member(body, "id");
    if (auto* error = std::get_if<api::Error>(&id)) co_return error_answer(std::move(*error));
    if (!std::get<std::optional<std::string>>(id)) co_return error_answer(missing_parameter("id"));

    auto created = create_runtime_key(*request.gateway, body);
    if (auto* error = std::get_if<api::Error>(&created)) co_return error_answer(std::move(*error));
    co_await request.gateway->await_adoption();
    const CreatedKey& key = std::get<CreatedKey>(created);
    Json answer{{"object", "api_key"}, {"key", key.key}, {"generation", key.generation}};
    answer.update(key_entry(key.settings));
    co_return json_answer(dump(answer), 201);
}

net::awaitable<LocalAnswer> revoke_key(const LocalRequest& request) {
    const std::string_view id = api::admin_key_id(request.headers.target());
    auto revoked = revoke_runtime_key(*request.gateway, id);
    if (auto* error = std::get_if<api::Error>(&revoked)) co_return error_answer(std::move(*error));
    // Answered once no worker still holds a snapshot with the key for its next request.
    co_await request.gateway->await_adoption();
    co_return json_answer(dump(Json{{"object", "api_key"},
                                    {"id", id},
                                    {"deleted", true},
                                    {"generation", std::get<std::uint64_t>(revoked)}}));
}

}  // namespace infergate::server::admin
