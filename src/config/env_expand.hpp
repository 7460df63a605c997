// ${VAR} expansion for config values. Problems name the variable only: the text around a
// reference may be a credential, so it never appears in a message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "infergate/config/loader.hpp"

namespace infergate::config {

struct Expansion {
    std::string value;
    std::vector<std::string> errors;  // complete messages, e.g. "environment variable X is not set"
    bool substituted = false;         // some ${VAR} was replaced: value holds environment content
    bool ok() const noexcept { return errors.empty(); }
};

// "${NAME}" is replaced by the variable's value (NAME: letters, digits and '_', not starting
// with a digit); "$${" is a literal "${"; any other '$' is kept. Values are not re-expanded.
Expansion expand_env(std::string_view text, const EnvLookup& env);

}  // namespace infergate::config
