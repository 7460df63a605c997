// The files a config names besides itself (key files, CA bundles): what a reload reads again,
// so what the config file watch must watch. A setting that names a new file adds it here.
#pragma once

#include <string>
#include <vector>

#include "infergate/config/config.hpp"

namespace infergate::config {

// Each path once, as written in the config (relative paths are the process's working
// directory's), in a stable order.
std::vector<std::string> referenced_files(const Config& config);

}  // namespace infergate::config
