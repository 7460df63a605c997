// Shell-style name patterns (model lists of keys and tenants, routing rules): the rules of
// fnmatch(3) with no flags, checked per request, so the common patterns skip fnmatch.
#pragma once

#include <string_view>

namespace infergate {

// Whether `name` matches `pattern`: `*` any run of characters (`/` included), `?` any one,
// `[...]` a class and `\` an escape as fnmatch defines them. Patterns made of literals, `*` and
// `?` only are matched here without allocating (fnmatch, multibyte-aware and wanting C
// strings, costs several times more); the others go to fnmatch.
bool glob_match(std::string_view pattern, std::string_view name);

}  // namespace infergate
