// The loader's only contact with the filesystem, with errno turned into words.
#pragma once

#include <string>

namespace infergate::config {

// Largest config file we read: far above any real config, small enough to never hurt.
inline constexpr std::size_t max_config_file_bytes = 16 * 1024 * 1024;

// Whole file into `contents`; on failure returns "cannot read file: <strerror>" (else "").
std::string read_file(const std::string& path, std::string& contents);

// "" when `path` is a regular file we can open; otherwise why not.
std::string check_readable(const std::string& path);

}  // namespace infergate::config
