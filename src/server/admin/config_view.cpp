// GET /admin/config: the config serving now, as loaded (defaults filled in, ${VAR} expanded)
// and with its credentials redacted (config_json.hpp), plus which file and version it is.
#include <nlohmann/json.hpp>

#include "infergate/config/config_json.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/stages/routing/target_report.hpp"
#include "resources.hpp"

namespace infergate::server::admin {

LocalAnswer show_config(const Snapshot& snapshot) {
    const nlohmann::ordered_json body{{"object", "config"},
                                      {"generation", snapshot.generation},
                                      {"hash", snapshot.config.source_hash},
                                      {"loaded_at", routing::rfc3339(snapshot.built_at)},
                                      {"path", snapshot.config.source},
                                      {"config", config::render_config(snapshot.config)}};
    // Values come from the config file and may be any bytes: never throw on them.
    return json_answer(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace infergate::server::admin
