// Sizes and durations: the units ops may write, and the edges (zero, overflow, bare numbers).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/units.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::load;
using testing::with_routes;

std::uint64_t size_of(std::string_view text) {
    std::uint64_t bytes = 0;
    EXPECT_EQ(parse_size(text, bytes), UnitParse::ok) << text;
    return bytes;
}

Duration duration_of(std::string_view text) {
    Duration duration{};
    EXPECT_EQ(parse_duration(text, duration), UnitParse::ok) << text;
    return duration;
}

TEST(Sizes, AcceptBareBytesAndDecimalAndBinaryUnits) {
    EXPECT_EQ(size_of("0"), 0u);
    EXPECT_EQ(size_of("4096"), 4096u);
    EXPECT_EQ(size_of("12B"), 12u);
    EXPECT_EQ(size_of("2KB"), 2000u);
    EXPECT_EQ(size_of("3MB"), 3000000u);
    EXPECT_EQ(size_of("1GB"), 1000000000u);
    EXPECT_EQ(size_of("512KiB"), 512u * 1024);
    EXPECT_EQ(size_of("10MiB"), 10u * 1024 * 1024);
    EXPECT_EQ(size_of("2GiB"), 2ull * 1024 * 1024 * 1024);
    EXPECT_EQ(size_of("10 MiB"), 10u * 1024 * 1024);
    EXPECT_EQ(size_of("18446744073709551615"), 18446744073709551615ull);
}

TEST(Sizes, RejectMalformedText) {
    for (const std::string_view text : {"", "ten", "MiB", "1.5MiB", "-1", "10mib", "10 MiB ",
                                        "10  MiB", "10M", "10TB", "0x10", "1e6", "10MiBs", " 10"}) {
        std::uint64_t bytes = 0;
        EXPECT_EQ(parse_size(text, bytes), UnitParse::malformed) << '"' << text << '"';
    }
}

TEST(Sizes, RejectValuesThatDoNotFitIn64Bits) {
    std::uint64_t bytes = 0;
    EXPECT_EQ(parse_size("99999999999999GiB", bytes), UnitParse::too_large);
    EXPECT_EQ(parse_size("18446744073709551616", bytes), UnitParse::too_large);
    EXPECT_EQ(parse_size("17179869184GiB", bytes), UnitParse::too_large);  // 2^34 GiB = 2^64
    EXPECT_EQ(parse_size("17179869183GiB", bytes), UnitParse::ok);
}

TEST(Durations, AcceptEachUnitAndCombinations) {
    EXPECT_EQ(duration_of("500ms"), 500ms);
    EXPECT_EQ(duration_of("2s"), 2s);
    EXPECT_EQ(duration_of("10m"), 10min);
    EXPECT_EQ(duration_of("1h"), 1h);
    EXPECT_EQ(duration_of("0s"), 0s);
    EXPECT_EQ(duration_of("1m30s"), 90s);
    EXPECT_EQ(duration_of("1h2m3s4ms"), 1h + 2min + 3s + 4ms);
    EXPECT_EQ(duration_of("8760h"), max_duration);
}

TEST(Durations, RejectBareNumbersUnknownUnitsAndDisorder) {
    for (const std::string_view text : {"", "30", "0", "s", "1.5s", "-1s", "1d", "1us", "10 s",
                                        "30s1m", "1s1s", "1m1h", "1hm", "5mss", "1S", "s30"}) {
        Duration duration{};
        EXPECT_EQ(parse_duration(text, duration), UnitParse::malformed) << '"' << text << '"';
    }
}

TEST(Durations, RejectValuesBeyondAYear) {
    Duration duration{};
    EXPECT_EQ(parse_duration("8761h", duration), UnitParse::too_large);
    EXPECT_EQ(parse_duration("8760h1ms", duration), UnitParse::too_large);
    EXPECT_EQ(parse_duration("99999999999999999999h", duration), UnitParse::too_large);
    EXPECT_EQ(parse_duration("9999999999999999h", duration), UnitParse::too_large);
}

TEST(ConfigLoader, ReportsSizeAndDurationEdgesWithExactMessages) {
    const LoadResult result = load(with_routes(R"(server:
  max_header_bytes: 99999999999999GiB
  max_body_bytes: 0
  header_timeout: 0s
  body_timeout: 9000h
  idle_timeout: 1.5s
  write_timeout: 30
)"));
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:2:21: server.max_header_bytes: size is too large, "
                            "got \"99999999999999GiB\"",
                            "infergate.yaml:3:19: server.max_body_bytes: must be greater than 0",
                            "infergate.yaml:4:19: server.header_timeout: must be greater than 0",
                            "infergate.yaml:5:17: server.body_timeout: duration is too large "
                            "(at most 8760h), got \"9000h\"",
                            "infergate.yaml:6:17: server.idle_timeout: expected a duration like "
                            "30s, got \"1.5s\"",
                            "infergate.yaml:7:18: server.write_timeout: expected a duration like "
                            "30s, got \"30\""));
}

TEST(ConfigLoader, ReportsAnOverlongIntegerAsTooLarge) {
    const LoadResult result = load(with_routes("server: { workers: 99999999999999999999 }\n"));
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:1:20: server.workers: number is too large, "
                            "got \"99999999999999999999\""));
}

TEST(ConfigLoader, ConnectionLimitsAreCounts) {
    const LoadResult result =
        load(with_routes("server: { max_connections: 0, reserved_connections: -1 }\n"));
    EXPECT_THAT(result.errors,
                ElementsAre("infergate.yaml:1:28: server.max_connections: must be at least 1, got \"0\"",
                            "infergate.yaml:1:53: server.reserved_connections: must be at least 0, "
                            "got \"-1\""));
}

TEST(ConfigLoader, AcceptsIntegerBytesForSizes) {
    const LoadResult result = load(with_routes("server: { max_body_bytes: 1048576 }\n"));
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(result.errors);
    EXPECT_EQ(result.config->server.max_body_bytes, 1048576u);
}

}  // namespace
}  // namespace infergate::config
