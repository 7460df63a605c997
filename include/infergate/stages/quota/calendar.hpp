// Calendar periods in the operator's time zone: which day or month an instant belongs to, and
// when that period ends (for Retry-After and the reset headers).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace date {
class time_zone;
}

namespace infergate::quota {

struct Period {
    std::int64_t id;  // days since 1970-01-01, weeks since Monday 1969-12-29, or months since 1970-01
    std::chrono::system_clock::time_point ends;
};

// The day, week and month an instant belongs to.
struct Periods {
    Period day, week, month;
};

class Calendar {
public:
    // Throws std::runtime_error for an unknown zone (the config loader checked it already).
    explicit Calendar(std::string_view time_zone);
    Period day(std::chrono::system_clock::time_point now) const;
    Period week(std::chrono::system_clock::time_point now) const;  // Monday 00:00 to Monday
    Period month(std::chrono::system_clock::time_point now) const;
    // All three, as day(), week() and month() give them, from one cache lookup.
    Periods periods(std::chrono::system_clock::time_point now) const;

private:
    Period compute_day(std::chrono::system_clock::time_point now) const;
    Period compute_week(std::chrono::system_clock::time_point now) const;
    Period compute_month(std::chrono::system_clock::time_point now) const;

    const date::time_zone* zone_;
};

}  // namespace infergate::quota
