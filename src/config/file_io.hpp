// The loader's only contact with the filesystem, with errno turned into words.
#pragma once

#include <string>
#include <string_view>

namespace infergate::config {

// Largest config file we read: far above any real config, small enough to never hurt.
inline constexpr std::size_t max_config_file_bytes = 16 * 1024 * 1024;

// Whole file into `contents`; on failure returns "cannot read file: <strerror>" (else "").
std::string read_file(const std::string& path, std::string& contents);

// "" when `path` is a regular file we can open; otherwise why not.
std::string check_readable(const std::string& path);

// Replaces `path` with `contents` so that a reader (or a restart after a crash) finds either
// the old file or the new one, never a part: written to "<path>.tmp" in the same directory
// with mode `mode`, fsync'd, renamed over `path`, then the directory fsync'd so the rename
// itself survives a power cut. "" on success, else what failed (the old file is untouched).
// Callers serialise their writes: the temporary name is fixed.
std::string write_file_atomically(const std::string& path, std::string_view contents, unsigned mode = 0600);

}  // namespace infergate::config
