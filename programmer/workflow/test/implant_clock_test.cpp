// The implant's clock against the clinic's local time, across daylight-saving changes both ways.
#include "itdd/programmer/implant_clock.h"

#include <gtest/gtest.h>

#include "itdd/core/units.h"

namespace itdd::programmer {
namespace {

std::int64_t utc(const char* text) {
  return host::parse_wall_time(text).value().ms();
}
WallTime wall(const char* text) {
  return host::parse_wall_time(text).value();
}
host::TimeZone zone(const char* name) {
  return host::find_time_zone(name).value();
}

TEST(ImplantClock, AgreesWithinTheToleranceAsABound) {
  const host::TimeZone paris = zone("Europe/Paris");
  const std::int64_t now = utc("2027-06-01 08:00");  // 10:00 CEST
  EXPECT_FALSE(check_implant_clock(paris, now, wall("2027-06-01 10:00")).differs);
  const WallTime exactly_two_ahead(wall("2027-06-01 10:02").ms());
  EXPECT_FALSE(check_implant_clock(paris, now, exactly_two_ahead).differs);
  EXPECT_TRUE(check_implant_clock(paris, now, WallTime(exactly_two_ahead.ms() + 1)).differs);
  const WallTime exactly_two_behind(wall("2027-06-01 09:58").ms());
  EXPECT_FALSE(check_implant_clock(paris, now, exactly_two_behind).differs);
  const ImplantClockCheck behind =
      check_implant_clock(paris, now, WallTime(exactly_two_behind.ms() - 1));
  EXPECT_TRUE(behind.differs);
  EXPECT_EQ(behind.difference_ms, -2 * kMillisPerMinute - 1);
  EXPECT_TRUE(check_implant_clock(paris, now, wall("2027-06-01 10:00")).message.empty());
}

// Spring forward: the implant still keeps winter time, an hour behind, and is told so.
TEST(ImplantClock, AnImplantThatKeptWinterTimeIsAnHourBehindAndToldWhy) {
  const host::TimeZone paris = zone("Europe/Paris");
  const ImplantClockCheck c =
      check_implant_clock(paris, utc("2027-03-29 08:00"), wall("2027-03-29 09:00"));
  EXPECT_TRUE(c.differs);
  EXPECT_EQ(c.difference_ms, -kMillisPerHour);
  ASSERT_TRUE(c.missed_change.has_value());
  EXPECT_EQ(c.message,
            "the implant's clock reads 2027-03-29 09:00 but it is 2027-03-29 10:00 in "
            "Europe/Paris: 1 h behind (the clocks changed on 2027-03-28 at 02:00 to 03:00; the "
            "implant's clock was not moved); flexible programs, alarms and the event log follow "
            "the implant's clock: set it with `itdd programmer set-clock --now --time-zone "
            "Europe/Paris`");
}

// Fall back: the implant kept summer time, an hour ahead.
TEST(ImplantClock, AnImplantThatKeptSummerTimeIsAnHourAhead) {
  const host::TimeZone paris = zone("Europe/Paris");
  const ImplantClockCheck c =
      check_implant_clock(paris, utc("2027-11-02 09:00"), wall("2027-11-02 11:00"));
  EXPECT_EQ(c.difference_ms, kMillisPerHour);
  ASSERT_TRUE(c.missed_change.has_value());
  EXPECT_NE(c.message.find("1 h ahead (the clocks changed on 2027-10-31 at 03:00 to 02:00"),
            std::string::npos)
      << c.message;
  const host::TimeZone ny = zone("America/New_York");
  const ImplantClockCheck n =
      check_implant_clock(ny, utc("2027-11-08 14:00"), wall("2027-11-08 10:00"));
  EXPECT_EQ(n.difference_ms, kMillisPerHour);
  EXPECT_TRUE(n.missed_change.has_value());
}

// A clock off by some other amount is not blamed on the change; the fix is the same.
TEST(ImplantClock, AnotherDifferenceIsNotBlamedOnTheChange) {
  const host::TimeZone paris = zone("Europe/Paris");
  const ImplantClockCheck c =
      check_implant_clock(paris, utc("2027-03-29 08:00"), wall("2027-03-29 10:17"));
  EXPECT_TRUE(c.differs);
  EXPECT_FALSE(c.missed_change.has_value());
  EXPECT_NE(c.message.find("17 min ahead; "), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("set-clock --now"), std::string::npos);
}

}  // namespace
}  // namespace itdd::programmer
