#include "itdd/programmer/text_input.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace itdd::programmer {
namespace {

TEST(ParseDuration, ReadsEachUnitAndJoinedParts) {
  EXPECT_EQ(parse_duration("30m").value(), minutes(30));
  EXPECT_EQ(parse_duration("24h").value(), hours(24));
  EXPECT_EQ(parse_duration("14d").value(), days(14));
  EXPECT_EQ(parse_duration("45s").value(), seconds(45));
  EXPECT_EQ(parse_duration("1h30m").value(), minutes(90));
  EXPECT_EQ(parse_duration("366d").value(), days(366));
}

TEST(ParseDuration, RefusesWhatIsNotADuration) {
  for (const char* bad :
       {"", "30", "m", "30x", "-5m", "1.5h", "30 m", "0m", "0h0m", "367d", "99999999999d", "h30"}) {
    EXPECT_FALSE(parse_duration(bad).ok()) << bad;
  }
  EXPECT_NE(std::string(parse_duration("30").error().message).find("30m, 24h, 14d"),
            std::string::npos);
}

TEST(ParseVolume, DecimalMillilitresAreExactNanolitres) {
  EXPECT_EQ(parse_volume_ml("0.25").value(), Volume(250'000));
  EXPECT_EQ(parse_volume_ml("18").value(), Volume(18'000'000));
  EXPECT_EQ(parse_volume_ml("0.000001").value(), Volume(1));
  EXPECT_EQ(parse_volume_ml("1.2500000").value(), Volume(1'250'000));  // zeros below 1 nL
  EXPECT_EQ(parse_volume_ml_or_zero("0").value(), Volume(0));
  for (const char* bad : {"0", "0.0000001", "1,5", "-1", "1e3", ".5", "5.", "1001", "abc", ""}) {
    EXPECT_FALSE(parse_volume_ml(bad).ok()) << bad;
  }
  EXPECT_NE(std::string(parse_volume_ml("0.0000001").error().message).find("finer than 1 nL"),
            std::string::npos);
}

// Issue 11: a negative volume was told "must be a number such as 12": it is a number.
TEST(ParseVolume, ASignedNumberIsToldWhatIsWrongWithIt) {
  EXPECT_STREQ(parse_volume_ml("-0.5").error().message, "must not be negative");
  EXPECT_STREQ(parse_volume_ml_or_zero("-1").error().message, "must not be negative");
  EXPECT_STREQ(parse_amount("-1", DoseUnit::kMilligram).error().message, "must not be negative");
  EXPECT_STREQ(parse_volume_ml("+2").error().message, "write it without a + sign");
  EXPECT_NE(std::string(parse_volume_ml("-abc").error().message).find("must be a number"),
            std::string::npos);
}

TEST(ParseAmount, InTheDrugsUnit) {
  EXPECT_EQ(parse_amount("1.5", DoseUnit::kMilligram).value(), DrugAmount(1'500'000));
  EXPECT_EQ(parse_amount("0.000001", DoseUnit::kMilligram).value(), DrugAmount(1));
  EXPECT_EQ(parse_amount("50", DoseUnit::kMicrogram).value(), DrugAmount(50'000));
  EXPECT_EQ(parse_amount("0.001", DoseUnit::kMicrogram).value(), DrugAmount(1));
  EXPECT_FALSE(parse_amount("0.0001", DoseUnit::kMicrogram).ok());
  EXPECT_FALSE(parse_amount("0", DoseUnit::kMilligram).ok());
  EXPECT_FALSE(parse_amount("1001", DoseUnit::kMilligram).ok());
  EXPECT_NE(std::string(parse_amount("0.0001", DoseUnit::kMicrogram).error().message)
                .find("finer than 1 ng"),
            std::string::npos);
  EXPECT_NE(std::string(parse_amount("1,5", DoseUnit::kMilligram).error().message)
                .find("must be a number"),
            std::string::npos);
}

RC_GTEST_PROP(ParseVolume, RoundTripsEveryNanolitreCount, ()) {
  const std::int64_t nl = *rc::gen::inRange<std::int64_t>(1, 1'000'000'000);
  const std::string text = std::to_string(nl / 1'000'000) + "." +
                           std::string(6 - std::to_string(nl % 1'000'000).size(), '0') +
                           std::to_string(nl % 1'000'000);
  RC_ASSERT(parse_volume_ml(text).value() == Volume(nl));
}

TEST(ParseLocalWall, ARealLocalDateAndTime) {
  // 2026-03-01 is day 20513 since 1970-01-01.
  EXPECT_EQ(parse_local_wall("2026-03-01 14:05").value(),
            WallTime(20513 * kMillisPerDay + 14 * kMillisPerHour + 5 * kMillisPerMinute));
  EXPECT_EQ(parse_local_wall("2026-03-01T14:05").value(),
            parse_local_wall("2026-03-01 14:05").value());
  for (const char* bad : {"2026-02-30 10:00", "2026-03-01 24:00", "2026-03-01", "1999-12-31 23:59",
                          "2026-3-1 10:00", "2026-03-01 10:60"}) {
    EXPECT_FALSE(parse_local_wall(bad).ok()) << bad;
  }
}

TEST(FormatDuration, SaysItInParts) {
  EXPECT_EQ(format_duration(minutes(30)), "30 min");
  EXPECT_EQ(format_duration(hours(24)), "1 d");
  EXPECT_EQ(format_duration(minutes(90)), "1 h 30 min");
  EXPECT_EQ(format_duration(Duration(1500)), "1 s 500 ms");
}

TEST(LocalWallNow, IsNearTheSystemClock) {
  // Within a day of UTC whatever the time zone (-12 h to +14 h).
  const std::int64_t utc = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  EXPECT_LE(std::abs(local_wall_now().ms() - utc), 15 * kMillisPerHour);
}

}  // namespace
}  // namespace itdd::programmer
