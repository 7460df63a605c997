// WindowCounts: counts per one-second bucket, summed over the window, old buckets forgotten.
#include "infergate/stages/routing/window_counts.hpp"

#include <gtest/gtest.h>

namespace infergate::routing {
namespace {

using namespace std::chrono;

const TimePoint t0{hours(1)};  // on a bucket boundary

TEST(WindowCounts, SumsTheBucketsOfTheWindowPerCounter) {
    WindowCounts counts(seconds(10));
    counts.add(0, t0);
    counts.add(0, t0 + milliseconds(500));
    counts.add(1, t0 + seconds(3));
    EXPECT_EQ(counts.add_and_count(0, t0 + seconds(9)), 3u);
    EXPECT_EQ(counts.count(0, t0 + seconds(9)), 3u);
    EXPECT_EQ(counts.count(1, t0 + seconds(9)), 1u);
}

TEST(WindowCounts, ForgetsBucketsThatLeftTheWindow) {
    WindowCounts counts(seconds(10));
    counts.add(0, t0);
    counts.add(0, t0 + seconds(5));
    EXPECT_EQ(counts.count(0, t0 + seconds(9) + milliseconds(999)), 2u);
    EXPECT_EQ(counts.count(0, t0 + seconds(10)), 1u);
    EXPECT_EQ(counts.count(0, t0 + seconds(15)), 0u);
    // The ring comes round: t0's bucket is reused, restarted rather than added to.
    EXPECT_EQ(counts.add_and_count(0, t0 + seconds(20)), 1u);
}

TEST(WindowCounts, UndoTakesBackOnlyFromTheSameBucket) {
    WindowCounts counts(seconds(10));
    counts.add(0, t0);
    counts.add(0, t0);
    counts.undo(0, t0);
    EXPECT_EQ(counts.count(0, t0), 1u);
    counts.undo(0, t0 + seconds(1));  // a later bucket: nothing there to take back
    EXPECT_EQ(counts.count(0, t0 + seconds(1)), 1u);
}

TEST(WindowCounts, LongWindowsUseWiderBuckets) {
    WindowCounts counts(minutes(10));  // 60 buckets of 10 s
    counts.add(0, t0);
    EXPECT_EQ(counts.count(0, t0 + minutes(9)), 1u);
    EXPECT_EQ(counts.count(0, t0 + minutes(10)), 0u);
}

TEST(WindowCounts, ClearForgetsEverything) {
    WindowCounts counts(seconds(10));
    counts.add(0, t0);
    counts.add(1, t0 + seconds(1));
    counts.clear();
    EXPECT_EQ(counts.count(0, t0 + seconds(1)), 0u);
    EXPECT_EQ(counts.count(1, t0 + seconds(1)), 0u);
}

}  // namespace
}  // namespace infergate::routing
