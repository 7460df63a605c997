#include "infergate/stages/quota/calendar.hpp"

#include <date/tz.h>

namespace infergate::quota {

Calendar::Calendar(std::string_view time_zone) : zone_(date::locate_zone(time_zone)) {}

Period Calendar::day(std::chrono::system_clock::time_point now) const {
    const auto local = zone_->to_local(std::chrono::time_point_cast<std::chrono::seconds>(now));
    const auto today = date::floor<date::days>(local);
    const auto next = zone_->to_sys(today + date::days{1}, date::choose::earliest);
    return {today.time_since_epoch().count(), next};
}

Period Calendar::month(std::chrono::system_clock::time_point now) const {
    const auto local = zone_->to_local(std::chrono::time_point_cast<std::chrono::seconds>(now));
    const date::year_month_day ymd{date::floor<date::days>(local)};
    const date::year_month this_month{ymd.year(), ymd.month()};
    const date::year_month next_month = this_month + date::months{1};
    const auto next = zone_->to_sys(date::local_days{next_month / 1}, date::choose::earliest);
    const std::int64_t id =
        (static_cast<int>(ymd.year()) - 1970) * 12 + static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
    return {id, next};
}

}  // namespace infergate::quota
