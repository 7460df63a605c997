// Backoff delays and the upstream's own waits: Retry-After and OpenAI reset durations.
#include "infergate/stages/routing/backoff.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <limits>

namespace infergate::routing {
namespace {

using namespace std::chrono;

constexpr std::uint64_t kTop = std::numeric_limits<std::uint64_t>::max();

TEST(Backoff, CeilingDoublesPerAttemptUpToTheMax) {
    EXPECT_EQ(backoff_ceiling(1, milliseconds(100), seconds(10)), milliseconds(100));
    EXPECT_EQ(backoff_ceiling(2, milliseconds(100), seconds(10)), milliseconds(200));
    EXPECT_EQ(backoff_ceiling(3, milliseconds(100), seconds(10)), milliseconds(400));
    EXPECT_EQ(backoff_ceiling(7, milliseconds(100), seconds(10)), milliseconds(6400));
    EXPECT_EQ(backoff_ceiling(8, milliseconds(100), seconds(10)), seconds(10));
    EXPECT_EQ(backoff_ceiling(INT_MAX, milliseconds(100), seconds(10)), seconds(10));
    // Attempts below 1 count as the first; a base above the max is the max.
    EXPECT_EQ(backoff_ceiling(0, milliseconds(100), seconds(10)), milliseconds(100));
    EXPECT_EQ(backoff_ceiling(-3, milliseconds(100), seconds(10)), milliseconds(100));
    EXPECT_EQ(backoff_ceiling(1, seconds(20), seconds(10)), seconds(10));
    EXPECT_EQ(backoff_ceiling(INT_MAX, milliseconds(0), seconds(10)), milliseconds(0));
}

TEST(Backoff, DelayStaysBetweenZeroAndTheCeilingOfEachAttempt) {
    for (int attempt = 1; attempt <= 12; ++attempt) {
        const Duration ceiling = backoff_ceiling(attempt, milliseconds(100), seconds(10));
        EXPECT_EQ(backoff_delay(attempt, milliseconds(100), seconds(10), 0), milliseconds(0));
        EXPECT_EQ(backoff_delay(attempt, milliseconds(100), seconds(10), kTop), ceiling);
        for (const std::uint64_t random : {kTop / 7, kTop / 3, kTop / 2 + 12345}) {
            const Duration delay = backoff_delay(attempt, milliseconds(100), seconds(10), random);
            EXPECT_GE(delay, milliseconds(0));
            EXPECT_LE(delay, ceiling);
        }
    }
}

TEST(Backoff, DelayGrowsWithTheAttemptAndIsDeterministicForOneRandom) {
    const std::uint64_t half = kTop / 2;
    EXPECT_EQ(backoff_delay(1, milliseconds(100), seconds(10), half), milliseconds(50));
    EXPECT_EQ(backoff_delay(2, milliseconds(100), seconds(10), half), milliseconds(100));
    EXPECT_EQ(backoff_delay(3, milliseconds(100), seconds(10), half), milliseconds(200));
    EXPECT_EQ(backoff_delay(20, milliseconds(100), seconds(10), half), milliseconds(5000));
    EXPECT_EQ(backoff_delay(3, milliseconds(100), seconds(10), 0x9e3779b97f4a7c15),
              backoff_delay(3, milliseconds(100), seconds(10), 0x9e3779b97f4a7c15));
}

TEST(Backoff, ThePerThreadGeneratorStaysWithinTheCeiling) {
    for (int i = 0; i < 1000; ++i) {
        const Duration delay = backoff_delay(4, milliseconds(100), seconds(10));
        EXPECT_GE(delay, milliseconds(0));
        EXPECT_LE(delay, milliseconds(800));
    }
}

// 1994-11-06 08:49:37 UTC, a Sunday: the example of RFC 9110.
const system_clock::time_point kRfcExample =
    sys_days{year{1994} / November / 6} + hours(8) + minutes(49) + seconds(37);

TEST(ParseRetryAfter, DeltaSeconds) {
    EXPECT_EQ(parse_retry_after("120", kRfcExample), seconds(120));
    EXPECT_EQ(parse_retry_after("0", kRfcExample), seconds(0));
    EXPECT_EQ(parse_retry_after("007", kRfcExample), seconds(7));
}

TEST(ParseRetryAfter, HugeValuesAreCappedAtAnHour) {
    EXPECT_EQ(parse_retry_after("3600", kRfcExample), hours(1));
    EXPECT_EQ(parse_retry_after("3601", kRfcExample), hours(1));
    EXPECT_EQ(parse_retry_after("99999999999999999999999999", kRfcExample), hours(1));
    EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", kRfcExample), hours(1));
}

TEST(ParseRetryAfter, HttpDate) {
    const std::string_view date = "Sun, 06 Nov 1994 08:49:37 GMT";
    EXPECT_EQ(parse_retry_after(date, kRfcExample - seconds(30)), seconds(30));
    // Sub-second clocks: rounded up to the millisecond, never early.
    EXPECT_EQ(parse_retry_after(date, kRfcExample - microseconds(1'250'500)), milliseconds(1251));
    EXPECT_EQ(parse_retry_after("Thu, 29 Feb 2024 00:00:00 GMT",
                                sys_days{year{2024} / February / 28} + hours(23)),
              hours(1));
}

TEST(ParseRetryAfter, ADateInThePastMeansNow) {
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample), seconds(0));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample + hours(5)),
              seconds(0));
    EXPECT_EQ(parse_retry_after("Mon, 01 Jan 0001 00:00:00 GMT", kRfcExample), seconds(0));
}

TEST(ParseRetryAfter, MalformedSecondsAreRefused) {
    for (const std::string_view bad : {"", "-1", "+5", "1.5", " 5", "5 ", "5s", "abc", "0x10"}) {
        EXPECT_EQ(parse_retry_after(bad, kRfcExample), std::nullopt) << bad;
    }
}

TEST(ParseRetryAfter, AnythingButAnExactImfFixdateIsRefused) {
    for (const std::string_view bad : {
             "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850
             "Sun Nov  6 08:49:37 1994",        // asctime
             "Mon, 06 Nov 1994 08:49:37 GMT",   // Nov 6 1994 was a Sunday
             "Wed, 31 Nov 1994 08:49:37 GMT",   // November has 30 days
             "Sun, 06 Nov 1994 08:49:37 UTC",
             "Sun, 06 Nov 1994 08:49:37 gmt",
             "sun, 06 Nov 1994 08:49:37 GMT",
             "Sun, 6 Nov 1994 08:49:37 GMT",
             "Sun, 06 Nov 1994 24:00:00 GMT",
             "Sun, 06 Nov 1994 08:60:00 GMT",
             "Sun,  06 Nov 1994 08:49:37 GMT",
             "Sun, 06 Nov 1994 08:49:37 GMT ",
             "Sun, 06 Xyz 1994 08:49:37 GMT",
             "Sun, 06 Nov 1994 08:4a:37 GMT",
         }) {
        EXPECT_EQ(parse_retry_after(bad, kRfcExample), std::nullopt) << bad;
    }
}

TEST(ParseResetDuration, GoDurationsAsOpenAiSendsThem) {
    EXPECT_EQ(parse_reset_duration("1s"), seconds(1));
    EXPECT_EQ(parse_reset_duration("6m0s"), minutes(6));
    EXPECT_EQ(parse_reset_duration("20ms"), milliseconds(20));
    EXPECT_EQ(parse_reset_duration("1h2m3.5s"), hours(1) + minutes(2) + milliseconds(3500));
    EXPECT_EQ(parse_reset_duration("17.28s"), milliseconds(17280));
    EXPECT_EQ(parse_reset_duration("0"), milliseconds(0));
    EXPECT_EQ(parse_reset_duration("0s"), milliseconds(0));
    EXPECT_EQ(parse_reset_duration(".5s"), milliseconds(500));
    EXPECT_EQ(parse_reset_duration("1.5h"), minutes(90));
}

TEST(ParseResetDuration, SubMillisecondPartsRoundUp) {
    EXPECT_EQ(parse_reset_duration("1.5ms"), milliseconds(2));
    EXPECT_EQ(parse_reset_duration("250us"), milliseconds(1));
    EXPECT_EQ(parse_reset_duration("250\xC2\xB5s"), milliseconds(1));
    EXPECT_EQ(parse_reset_duration("999ns"), milliseconds(1));
    EXPECT_EQ(parse_reset_duration("1s1ns"), milliseconds(1001));
}

TEST(ParseResetDuration, MalformedNegativeOrOverflowingIsRefused) {
    for (const std::string_view bad : {"", "s", "1", "-1s", "+1s", "1x", "1s2", " 1s", "1 s", ".s",
                                       "1..5s", "1hh", "9999999999999h", "9999999999999999999s"}) {
        EXPECT_EQ(parse_reset_duration(bad), std::nullopt) << bad;
    }
}

}  // namespace
}  // namespace infergate::routing
