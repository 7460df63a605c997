// A YAML value as JSON, for policy defaults and overrides that go into request bodies.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "yaml_reader.hpp"

namespace infergate::config {

// Plain scalars become null, booleans, integers or numbers when they read as one (YAML 1.2
// core schema); quoted scalars stay strings. Duplicate keys are reported where they are.
std::optional<nlohmann::ordered_json> read_json_value(const Context& ctx, const Field& field);

}  // namespace infergate::config
