// The schema: which keys each section has, their types, defaults and cross-checks.
#pragma once

#include "infergate/config/config.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

// Reads the document root (already known to be a mapping) into `config`, reporting every
// problem to ctx; `config` holds whatever was valid.
void read_document(const Context& ctx, const YAML::Node& root, Config& config);

}  // namespace infergate::config
