// Refuses input that is not text before YAML sees it: yaml-cpp happily reads binary garbage
// as one long scalar, and its errors for stray control characters are confusing.
#pragma once

#include <string>
#include <string_view>

#include "diagnostics.hpp"

namespace infergate::config {

// Position of the first byte that is invalid UTF-8 or a control character other than tab,
// LF and CR; line 0 when the whole text is fine. `byte` receives the offending byte.
Location find_non_text(std::string_view text, unsigned char& byte);

}  // namespace infergate::config
