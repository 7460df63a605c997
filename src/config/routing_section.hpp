// The routing and resilience keys: a model's balancing, retries, fallbacks, canary and
// first-token timeout; a backend's admission, outlier detection, health check and key pool;
// the top-level routing.rules. Cross-references (fallback, canary, alias and rule models)
// are checked once every model is known.
#pragma once

#include "infergate/config/config.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

// The optional keys of models.<name> besides targets, pricing and token_weights.
void read_model_routing(const Context& ctx, MapReader& map, Model& model);
// The optional keys of backends.<name> about load and failure.
void read_backend_resilience(const Context& ctx, MapReader& map, Backend& backend);
void read_routing(const Context& ctx, const Field& field, Config& config);
// Models named by other models and by rules exist, and aliases end at a model with targets.
void check_model_references(const Context& ctx, const YAML::Node& root, const Config& config);

}  // namespace infergate::config
