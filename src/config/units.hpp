// Sizes ("10MiB", "512KB", "4096") and durations ("500ms", "30s", "1m30s") as ops write them.
#pragma once

#include <cstdint>
#include <string_view>

#include "infergate/config/config.hpp"

namespace infergate::config {

enum class UnitParse { ok, malformed, too_large };

// Bytes: a non-negative integer with an optional unit B, KB/MB/GB (1000-based) or
// KiB/MiB/GiB (1024-based); one space between number and unit is allowed.
UnitParse parse_size(std::string_view text, std::uint64_t& bytes);

// One or more <integer><unit> parts with units h, m, s, ms, largest first ("1h30m", "2s500ms").
// A bare number is malformed: "30" could mean seconds or milliseconds.
UnitParse parse_duration(std::string_view text, Duration& duration);

// Upper bound for any duration: far beyond any sane timeout, far below clock overflow.
inline constexpr Duration max_duration = std::chrono::hours(24 * 365);

}  // namespace infergate::config
