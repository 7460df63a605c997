// The schema of a `policies:` mapping, allowed under models.<name> and auth.keys[i].
#pragma once

#include "infergate/config/policy.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

void read_policy(const Context& ctx, const Field& field, Policy& policy);

}  // namespace infergate::config
