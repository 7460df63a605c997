// POST /admin/targets/drain and /admin/targets/undrain, body {"backend": "...", "model": "..."}:
// the targets of `model` on `backend` (without model: every model's targets on it) take no new
// request, or take them again. In-flight requests finish. The state lives with the targets,
// so it survives a reload that keeps them, and ends with a restart.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "infergate/config/snapshot.hpp"
#include "infergate/server/admin/admin_body.hpp"
#include "infergate/stages/routing/route_health.hpp"
#include "resources.hpp"

namespace infergate::server::admin {

LocalAnswer drain_target(const LocalRequest& request, bool drained) {
    auto parsed = parse_object(request.body);
    if (auto* error = std::get_if<api::Error>(&parsed)) return error_answer(std::move(*error));
    const nlohmann::json& body = std::get<nlohmann::json>(parsed);
    if (auto error = reject_unknown(body, {"backend", "model"})) return error_answer(std::move(*error));
    auto backend = string_member(body, "backend");
    if (auto* error = std::get_if<api::Error>(&backend)) return error_answer(std::move(*error));
    auto model = string_member(body, "model");
    if (auto* error = std::get_if<api::Error>(&model)) return error_answer(std::move(*error));
    const auto& backend_name = std::get<std::optional<std::string>>(backend);
    const std::string model_name = std::get<std::optional<std::string>>(model).value_or("");
    if (!backend_name) return error_answer(missing_parameter("backend"));

    const routing::RouteTable& routes = request.snapshot.routes;
    if (!model_name.empty() && !routes.routes().contains(model_name)) {
        return error_answer(api::invalid_request(
            fmt::format("Unknown model \"{}\": name a model with targets of its own (not an alias).", model_name.substr(0, 96)),
            "model", "unknown_model"));
    }
    const std::size_t targets = routing::set_drained(routes, model_name, *backend_name, drained);
    if (targets == 0) {
        return error_answer(api::invalid_request(
            model_name.empty()
                ? fmt::format("No model has a target on backend \"{}\".", backend_name->substr(0, 96))
                : fmt::format("Model \"{}\" has no target on backend \"{}\".", model_name, backend_name->substr(0, 96)),
            "backend", "unknown_target"));
    }
    nlohmann::ordered_json answer{{"object", "target_drain"},
                                  {"backend", *backend_name},
                                  {"model", model_name.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(model_name)},
                                  {"drained", drained},
                                  {"targets", targets}};
    return json_answer(answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace infergate::server::admin
