#include "itdd/host/wall_time.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "itdd/core/units.h"

namespace itdd::host {
namespace {

TEST(WallTime, ReadsARealLocalDateAndTimeEitherWay) {
  // 2026-03-01 is day 20513 since 1970-01-01.
  const WallTime expected(20513 * kMillisPerDay + 14 * kMillisPerHour + 5 * kMillisPerMinute);
  EXPECT_EQ(parse_wall_time("2026-03-01 14:05").value(), expected);
  EXPECT_EQ(parse_wall_time("2026-03-01T14:05").value(), expected);
  EXPECT_EQ(parse_wall_time("1970-01-01 00:00").value(), WallTime(0));
  EXPECT_TRUE(parse_wall_time("2024-02-29 00:00").ok());
  EXPECT_TRUE(parse_wall_time("2199-12-31 23:59").ok());
}

TEST(WallTime, RefusesWhatIsNotARealDateAndTime) {
  for (const char* bad :
       {"2025-02-30 10:00", "2025-13-01 10:00", "2025-03-01 24:00", "2025-03-01 09:60",
        "2025-03-01", "25-03-01 09:30", "2025-03-01 9:30", "2026-3-1 10:00", "2026-01-05T00:00:00",
        "2026-01-05x00:00", "", "2023-02-29 00:00"}) {
    const Checked<WallTime> t = parse_wall_time(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().message.rfind("must be a real local date and time", 0), 0u) << bad;
  }
  EXPECT_EQ(parse_wall_time("1969-12-31 23:59").error().message,
            "must be a real local date and time in the years 1970 to 2199");
  EXPECT_FALSE(parse_wall_time("2200-01-01 00:00").ok());
}

RC_GTEST_PROP(WallTime, FormatsAndReadsBackEveryMinute, ()) {
  const std::int64_t minute =
      *rc::gen::inRange<std::int64_t>(0, (2200 - 1970) * 365 * 24 * 60 + 50 * 24 * 60);
  const WallTime t(minute * kMillisPerMinute);
  const Checked<WallTime> back = parse_wall_time(format_wall_time(t));
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == t);
}

TEST(WallTime, FormatsDropSecondsAndKeepDaysBefore1970) {
  EXPECT_EQ(format_wall_time(WallTime(0)), "1970-01-01 00:00");
  EXPECT_EQ(format_wall_time(WallTime(kMillisPerMinute + 59'999)), "1970-01-01 00:01");
  EXPECT_EQ(format_wall_time(WallTime(-1)), "1969-12-31 23:59");
  EXPECT_EQ(format_date(WallTime(20513 * kMillisPerDay + 1)), "2026-03-01");
}

TEST(Date, AnyRealDateAsDaysSince1970) {
  EXPECT_EQ(parse_date("1970-01-01").value(), 0);
  EXPECT_EQ(parse_date("2026-03-01").value(), 20513);
  EXPECT_EQ(parse_date("1950-06-15").value(), -7140);
  for (const char* bad : {"2025-02-29", "2025-1-01", "2025-01-01 ", "20250101", "0000-01-01"}) {
    EXPECT_FALSE(parse_date(bad).ok()) << bad;
  }
  EXPECT_EQ(parse_date("x").error().message, "must be a real date, YYYY-MM-DD");
}

TEST(TimeOfDayAndElapsed, ReadAndFormat) {
  EXPECT_EQ(parse_time_of_day("23:59").value(), 23 * 60 + 59);
  EXPECT_EQ(parse_time_of_day("00:00").value(), 0);
  for (const char* bad : {"24:00", "7:00", "07:60", "07-00", ""}) {
    EXPECT_FALSE(parse_time_of_day(bad).ok()) << bad;
  }
  EXPECT_EQ(parse_elapsed("day 0 00:00").value(), Duration(0));
  EXPECT_EQ(parse_elapsed("day 30 08:15").value(), days(30) + hours(8) + minutes(15));
  EXPECT_EQ(parse_elapsed("day 999999 23:59").value(), days(999999) + minutes(23 * 60 + 59));
  for (const char* bad : {"day -1 00:00", "day 1 00:60", "day 1000000 00:00", "day  00:00",
                          "Day 1 00:00", "day 1 0:00"}) {
    EXPECT_FALSE(parse_elapsed(bad).ok()) << bad;
  }
  EXPECT_EQ(format_elapsed(days(30) + hours(8)), "day 30 08:00");
}

}  // namespace
}  // namespace itdd::host
