// Names that end up in logs and metric labels (backends, JWT issuers): kept plain.
#pragma once

#include <string_view>

namespace infergate::config {

// Non-empty; only letters, digits, ".", "_" and "-".
bool is_label_name(std::string_view name) noexcept;

}  // namespace infergate::config
