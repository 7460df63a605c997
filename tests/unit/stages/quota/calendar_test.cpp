#include "infergate/stages/quota/calendar.hpp"

#include <gtest/gtest.h>

#include <date/date.h>

namespace infergate::quota {
namespace {

using namespace std::chrono;

system_clock::time_point utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
    return system_clock::time_point(date::sys_days(date::year(y) / date::month(m) / date::day(d)).time_since_epoch() +
                                    hours(h) + minutes(min));
}

TEST(Calendar, DaysAndMonthsFollowTheZoneAcrossBoundariesAndRepeatedCalls) {
    const Calendar utc_calendar("UTC");
    const Calendar berlin("Europe/Berlin");  // UTC+1 in winter
    // 23:30 UTC on 30 Nov is already 1 Dec in Berlin: another day and another month.
    const auto late = utc(2026, 11, 30, 23, 30);
    const Period utc_day = utc_calendar.day(late);
    const Period berlin_day = berlin.day(late);
    EXPECT_EQ(berlin_day.id, utc_day.id + 1);
    EXPECT_EQ(utc_day.ends, utc(2026, 12, 1));
    EXPECT_EQ(berlin_day.ends, utc(2026, 12, 1, 23));
    EXPECT_EQ(berlin.month(late).id, utc_calendar.month(late).id + 1);
    EXPECT_EQ(utc_calendar.month(late).ends, utc(2026, 12, 1));

    // Answers are cached per thread while "now" stays inside the period; stepping over its end
    // (and going back in time, as a test clock may) must still give the right period.
    const auto next_day = utc(2026, 12, 1, 0, 1);
    EXPECT_EQ(utc_calendar.day(next_day).id, utc_day.id + 1);
    EXPECT_EQ(utc_calendar.day(late).id, utc_day.id);
    EXPECT_EQ(berlin.day(late).id, berlin_day.id);
    EXPECT_EQ(utc_calendar.month(next_day).id, utc_calendar.month(late).id + 1);
    EXPECT_EQ(utc_calendar.month(late).ends, utc(2026, 12, 1));
}

TEST(Calendar, PeriodsAgreeWithDayWeekAndMonthWhicheverEndsFirst) {
    const Calendar utc_calendar("UTC");
    const Calendar berlin("Europe/Berlin");
    // Sunday 30 Nov 2026 23:30 UTC: Berlin is already in Monday 1 Dec (new day, week and month);
    // then times on either side of each boundary, forwards and back, in both zones.
    const system_clock::time_point times[] = {
        utc(2026, 11, 30, 23, 30), utc(2026, 11, 30, 22, 59), utc(2026, 12, 1, 0, 1), utc(2026, 11, 29, 12),
        utc(2026, 12, 6, 23, 59), utc(2026, 12, 7),           utc(2026, 12, 31, 23), utc(2027, 1, 1, 0, 30),
        utc(2026, 11, 30, 23, 30)};
    for (const auto when : times) {
        for (const Calendar* calendar : {&utc_calendar, &berlin}) {
            const Periods periods = calendar->periods(when);
            EXPECT_EQ(periods.day.id, calendar->day(when).id);
            EXPECT_EQ(periods.day.ends, calendar->day(when).ends);
            EXPECT_EQ(periods.week.id, calendar->week(when).id);
            EXPECT_EQ(periods.week.ends, calendar->week(when).ends);
            EXPECT_EQ(periods.month.id, calendar->month(when).id);
            EXPECT_EQ(periods.month.ends, calendar->month(when).ends);
            // Asked again with the cache warm: the same answer.
            EXPECT_EQ(calendar->periods(when).week.id, periods.week.id);
        }
    }
}

TEST(Calendar, WeeksRunFromMondayToMondayInTheZone) {
    const Calendar utc_calendar("UTC");
    const Calendar tokyo("Asia/Tokyo");  // UTC+9
    // Sunday 29 Nov 2026, 20:00 UTC: still Sunday in UTC, already Monday 30 Nov in Tokyo.
    const auto sunday_evening = utc(2026, 11, 29, 20);
    const Period utc_week = utc_calendar.week(sunday_evening);
    EXPECT_EQ(utc_week.ends, utc(2026, 11, 30));  // Monday 00:00 UTC
    const Period tokyo_week = tokyo.week(sunday_evening);
    EXPECT_EQ(tokyo_week.id, utc_week.id + 1);
    EXPECT_EQ(tokyo_week.ends, utc(2026, 12, 6, 15));  // Monday 7 Dec 00:00 in Tokyo
    // Every instant of a week shares its id; the Monday after starts the next one.
    EXPECT_EQ(utc_calendar.week(utc(2026, 11, 23)).id, utc_week.id);
    EXPECT_EQ(utc_calendar.week(utc(2026, 11, 22, 23, 59)).id, utc_week.id - 1);
    EXPECT_EQ(utc_calendar.week(utc(2026, 11, 30)).id, utc_week.id + 1);
    // The week of 1 Jan 1970 (a Thursday) is week 0; the days before it are week -1.
    EXPECT_EQ(utc_calendar.week(utc(1970, 1, 1)).id, 0);
    EXPECT_EQ(utc_calendar.week(utc(1969, 12, 28)).id, -1);
}

TEST(Calendar, ADaylightSavingDayIsTwentyThreeHoursLong) {
    const Calendar berlin("Europe/Berlin");
    // 29 March 2026: clocks go from 02:00 to 03:00; the day starts 23:00 UTC the day before.
    const Period day = berlin.day(utc(2026, 3, 29, 12));
    const Period before = berlin.day(utc(2026, 3, 28, 12));
    EXPECT_EQ(day.id, before.id + 1);
    EXPECT_EQ(day.ends - before.ends, hours(23));
}

}  // namespace
}  // namespace infergate::quota
