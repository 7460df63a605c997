#include "infergate/stages/quota/calendar.hpp"

#include <algorithm>

#include <date/tz.h>

namespace infergate::quota {

Calendar::Calendar(std::string_view time_zone) : zone_(date::locate_zone(time_zone)) {}

namespace {

// Time-zone arithmetic costs microseconds and a period lasts a day or a month: each thread
// remembers the last period it computed per zone and reuses it while `now` is inside it.
struct CachedPeriod {
    const date::time_zone* zone = nullptr;
    std::chrono::system_clock::time_point begins, ends;
    std::int64_t id = 0;

    bool holds(const date::time_zone* z, std::chrono::system_clock::time_point now) const noexcept {
        return zone == z && now >= begins && now < ends;
    }
};

thread_local CachedPeriod cached_day, cached_week, cached_month;

// For periods(): the three, valid while `now` is inside all of them (from the latest start to
// the earliest end), so a quota check reads one cache entry, not three.
struct CachedPeriods {
    const date::time_zone* zone = nullptr;
    std::chrono::system_clock::time_point begins, ends;
    Periods periods{};
};
thread_local CachedPeriods cached_periods;

// 1970-01-01 was a Thursday: counting from the Monday before makes weeks start on Mondays.
constexpr date::days kMondayBeforeEpoch{3};

}  // namespace

Period Calendar::day(std::chrono::system_clock::time_point now) const {
    if (cached_day.holds(zone_, now)) return {cached_day.id, cached_day.ends};
    const Period period = compute_day(now);
    const auto local = zone_->to_local(std::chrono::time_point_cast<std::chrono::seconds>(now));
    cached_day = {zone_, zone_->to_sys(date::floor<date::days>(local), date::choose::earliest), period.ends, period.id};
    return period;
}

Period Calendar::week(std::chrono::system_clock::time_point now) const {
    if (cached_week.holds(zone_, now)) return {cached_week.id, cached_week.ends};
    const Period period = compute_week(now);
    const date::local_days monday{date::days{period.id * 7} - kMondayBeforeEpoch};
    cached_week = {zone_, zone_->to_sys(monday, date::choose::earliest), period.ends, period.id};
    return period;
}

Period Calendar::month(std::chrono::system_clock::time_point now) const {
    if (cached_month.holds(zone_, now)) return {cached_month.id, cached_month.ends};
    const Period period = compute_month(now);
    const auto local = zone_->to_local(std::chrono::time_point_cast<std::chrono::seconds>(now));
    const date::year_month_day ymd{date::floor<date::days>(local)};
    cached_month = {zone_, zone_->to_sys(date::local_days{ymd.year() / ymd.month() / 1}, date::choose::earliest),
                    period.ends, period.id};
    return period;
}

Periods Calendar::periods(std::chrono::system_clock::time_point now) const {
    const CachedPeriods& cached = cached_periods;
    if (cached.zone == zone_ && now >= cached.begins && now < cached.ends) return cached.periods;
    const Periods periods{day(now), week(now), month(now)};
    // day(), week() and month() left their own periods' bounds in their caches.
    cached_periods = {zone_, std::max({cached_day.begins, cached_week.begins, cached_month.begins}),
                      std::min({cached_day.ends, cached_week.ends, cached_month.ends}), periods};
    return periods;
}

Period Calendar::compute_day(std::chrono::system_clock::time_point now) const {
    const auto local = zone_->to_local(std::chrono::time_point_cast<std::chrono::seconds>(now));
    const auto today = date::floor<date::days>(local);
    const auto next = zone_->to_sys(today + date::days{1}, date::choose::earliest);
    return {today.time_since_epoch().count(), next};
}

Period Calendar::compute_week(std::chrono::system_clock::time_point now) const {
    const auto local = zone_->to_local(std::chrono::time_point_cast<std::chrono::seconds>(now));
    const auto today = date::floor<date::days>(local);
    const std::int64_t id = date::floor<date::weeks>(today.time_since_epoch() + kMondayBeforeEpoch).count();
    const date::local_days next_monday{date::days{(id + 1) * 7} - kMondayBeforeEpoch};
    return {id, zone_->to_sys(next_monday, date::choose::earliest)};
}

Period Calendar::compute_month(std::chrono::system_clock::time_point now) const {
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
