// Retry delays: jittered exponential backoff, Retry-After and OpenAI reset durations.
#include "infergate/stages/routing/backoff.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <random>

namespace infergate::routing {
namespace {

using Rep = Duration::rep;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Exactly `count` digits at `text[pos]`.
std::optional<int> fixed_digits(std::string_view text, std::size_t pos, std::size_t count) {
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (!is_digit(text[i])) return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// The index of `text` in `names`, if it is one of them.
template <std::size_t N>
std::optional<unsigned> index_of(std::string_view text,
                                 const std::array<std::string_view, N>& names) {
    const auto found = std::find(names.begin(), names.end(), text);
    if (found == names.end()) return std::nullopt;
    return static_cast<unsigned>(found - names.begin());
}

constexpr std::array<std::string_view, 7> kWeekdays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, every separator in its place.
std::optional<std::chrono::sys_seconds> parse_imf_fixdate(std::string_view text) {
    using namespace std::chrono;
    constexpr std::string_view kShape = "Ddd, DD Mmm YYYY hh:mm:ss GMT";
    if (text.size() != kShape.size()) return std::nullopt;
    for (const std::size_t at : {3, 4, 7, 11, 16, 19, 22, 25}) {
        if (text[at] != kShape[at]) return std::nullopt;
    }
    if (text.substr(26) != "GMT") return std::nullopt;
    const auto weekday_index = index_of(text.substr(0, 3), kWeekdays);
    const auto month_index = index_of(text.substr(8, 3), kMonths);
    const auto day_number = fixed_digits(text, 5, 2);
    const auto year_number = fixed_digits(text, 12, 4);
    const auto hour = fixed_digits(text, 17, 2);
    const auto minute = fixed_digits(text, 20, 2);
    const auto second = fixed_digits(text, 23, 2);
    if (!weekday_index || !month_index || !day_number || !year_number || !hour || !minute ||
        !second) {
        return std::nullopt;
    }
    const year_month_day date{year{*year_number}, month{*month_index + 1},
                              day{static_cast<unsigned>(*day_number)}};
    // 60 seconds: a leap second.
    if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    const sys_days midnight{date};
    if (weekday{midnight} != weekday{*weekday_index}) return std::nullopt;
    return midnight + hours(*hour) + minutes(*minute) + seconds(*second);
}

// One unit of a Go duration, longest names first so "ms" is not read as "m" then "s".
struct GoUnit {
    std::string_view name;
    std::int64_t nanos;
};
constexpr std::array<GoUnit, 8> kGoUnits{{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // µs, MICRO SIGN
    {"\xCE\xBCs", 1'000},  // μs, GREEK SMALL LETTER MU
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

// Reads leading digits (at most 18 are kept: beyond that a fraction is below any unit's
// nanosecond). Returns the number of digits read.
std::size_t take_digits(std::string_view& text, std::int64_t& value, std::int64_t& scale,
                        bool& overflow) {
    std::size_t used = 0;
    for (; used < text.size() && is_digit(text[used]); ++used) {
        if (used >= 18) {
            overflow = true;
            continue;
        }
        value = value * 10 + (text[used] - '0');
        scale *= 10;
    }
    text.remove_prefix(used);
    return used;
}

}  // namespace

Duration backoff_ceiling(int attempt, Duration base, Duration max) noexcept {
    const Rep cap = std::max<Rep>(max.count(), 0);
    Rep ceiling = std::clamp<Rep>(base.count(), 0, cap);
    // Doubling stops at the cap, so a huge attempt number costs at most 63 steps.
    for (int step = 1; step < attempt && ceiling > 0 && ceiling < cap; ++step) {
        ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
    }
    return Duration(ceiling);
}

Duration backoff_delay(int attempt, Duration base, Duration max, std::uint64_t random) noexcept {
    const Rep ceiling = backoff_ceiling(attempt, base, max).count();
    // Uniform in [0, ceiling]: the high half of random x (ceiling + 1), which has no modulo bias.
    const auto span = static_cast<unsigned __int128>(ceiling) + 1;
    return Duration(static_cast<Rep>(static_cast<unsigned __int128>(random) * span >> 64));
}

Duration backoff_delay(int attempt, Duration base, Duration max) {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return backoff_delay(attempt, base, max, generator());
}

std::optional<Duration> parse_retry_after(std::string_view value,
                                          std::chrono::system_clock::time_point now) {
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), is_digit)) {
        constexpr Rep kCapSeconds =
            std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter).count();
        Rep seconds = 0;
        for (const char c : value) seconds = std::min(seconds * 10 + (c - '0'), kCapSeconds + 1);
        return std::min<Duration>(std::chrono::seconds(seconds), kMaxRetryAfter);
    }
    const auto date = parse_imf_fixdate(value);
    if (!date) return std::nullopt;
    // Whole seconds first: a date centuries away does not fit system_clock's nanoseconds.
    const auto whole = *date - std::chrono::floor<std::chrono::seconds>(now);
    if (whole <= whole.zero()) return Duration::zero();
    if (whole > kMaxRetryAfter) return kMaxRetryAfter;
    return std::min(std::chrono::ceil<Duration>(*date - now), kMaxRetryAfter);
}

std::optional<Duration> parse_reset_duration(std::string_view value) {
    if (value == "0") return Duration::zero();
    if (value.empty()) return std::nullopt;
    constexpr auto kMaxNanos = std::numeric_limits<std::int64_t>::max();
    std::int64_t total = 0;
    while (!value.empty()) {
        std::int64_t whole = 0, whole_scale = 1, fraction = 0, fraction_scale = 1;
        bool overflow = false;
        std::size_t digits = take_digits(value, whole, whole_scale, overflow);
        if (overflow) return std::nullopt;  // 19 or more integer digits overflow any unit
        if (value.starts_with('.')) {
            value.remove_prefix(1);
            bool dropped = false;  // fraction digits past 18 are below a nanosecond: dropped
            digits += take_digits(value, fraction, fraction_scale, dropped);
        }
        if (digits == 0) return std::nullopt;
        const auto unit = std::find_if(kGoUnits.begin(), kGoUnits.end(),
                                       [&](const GoUnit& u) { return value.starts_with(u.name); });
        if (unit == kGoUnits.end()) return std::nullopt;
        value.remove_prefix(unit->name.size());
        const auto part = static_cast<__int128>(whole) * unit->nanos +
                          static_cast<__int128>(fraction) * unit->nanos / fraction_scale;
        if (part > kMaxNanos - total) return std::nullopt;
        total += static_cast<std::int64_t>(part);
    }
    return std::chrono::ceil<Duration>(std::chrono::nanoseconds(total));
}

}  // namespace infergate::routing
