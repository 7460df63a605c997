#include "units.hpp"

#include <array>

namespace infergate::config {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads the leading digits of `text` into `value`; false when there are none.
// Sets `overflow` instead of wrapping.
bool take_number(std::string_view& text, std::uint64_t& value, bool& overflow) {
    std::size_t used = 0;
    value = 0;
    while (used < text.size() && is_digit(text[used])) {
        const auto digit = static_cast<std::uint64_t>(text[used] - '0');
        if (__builtin_mul_overflow(value, 10u, &value) ||
            __builtin_add_overflow(value, digit, &value)) {
            overflow = true;
        }
        ++used;
    }
    text.remove_prefix(used);
    return used > 0;
}

struct Unit {
    std::string_view name;
    std::uint64_t factor;
};

constexpr std::array size_units{
    Unit{"B", 1},
    Unit{"KB", 1000},
    Unit{"MB", 1000 * 1000},
    Unit{"GB", 1000 * 1000 * 1000},
    Unit{"KiB", 1024},
    Unit{"MiB", 1024 * 1024},
    Unit{"GiB", 1024 * 1024 * 1024},
};

// Largest first: the order parts must appear in ("1m30s", not "30s1m").
constexpr std::array duration_units{
    Unit{"h", 3600 * 1000},
    Unit{"m", 60 * 1000},
    Unit{"s", 1000},
    Unit{"ms", 1},
};

}  // namespace

UnitParse parse_size(std::string_view text, std::uint64_t& bytes) {
    std::uint64_t number = 0;
    bool overflow = false;
    if (!take_number(text, number, overflow)) return UnitParse::malformed;
    if (text.starts_with(' ')) text.remove_prefix(1);
    std::uint64_t factor = 1;
    if (!text.empty()) {
        bool known = false;
        for (const Unit& unit : size_units) {
            if (text == unit.name) {
                factor = unit.factor;
                known = true;
            }
        }
        if (!known) return UnitParse::malformed;
    }
    if (overflow || __builtin_mul_overflow(number, factor, &bytes)) return UnitParse::too_large;
    return UnitParse::ok;
}

UnitParse parse_duration(std::string_view text, Duration& duration) {
    if (text.empty()) return UnitParse::malformed;
    std::uint64_t total_ms = 0;
    bool overflow = false;
    std::size_t next_unit = 0;  // index into duration_units: each part must be smaller
    while (!text.empty()) {
        std::uint64_t number = 0;
        if (!take_number(text, number, overflow)) return UnitParse::malformed;
        std::size_t letters = 0;
        while (letters < text.size() &&
               (text[letters] == 'h' || text[letters] == 'm' || text[letters] == 's')) {
            ++letters;
        }
        const std::string_view name = text.substr(0, letters);
        text.remove_prefix(letters);
        std::size_t index = next_unit;
        while (index < duration_units.size() && duration_units[index].name != name) ++index;
        if (index == duration_units.size()) return UnitParse::malformed;
        next_unit = index + 1;
        std::uint64_t part = 0;
        if (__builtin_mul_overflow(number, duration_units[index].factor, &part) ||
            __builtin_add_overflow(total_ms, part, &total_ms)) {
            overflow = true;
        }
    }
    const auto max_ms = static_cast<std::uint64_t>(max_duration.count());
    if (overflow || total_ms > max_ms) return UnitParse::too_large;
    duration = Duration{static_cast<Duration::rep>(total_ms)};
    return UnitParse::ok;
}

}  // namespace infergate::config
