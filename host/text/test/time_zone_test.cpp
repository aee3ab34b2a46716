// The clinic's time zone: local wall times across daylight-saving changes in both directions
// (Europe/Paris and America/New_York, 2027), from the system's tz database.
#include <gtest/gtest.h>

#include "itdd/core/units.h"
#include "itdd/host/wall_time.h"

namespace itdd::host {
namespace {

std::int64_t utc(const char* text) {
  return parse_wall_time(text).value().ms();
}
WallTime wall(const char* text) {
  return parse_wall_time(text).value();
}
TimeZone zone(const char* name) {
  return find_time_zone(name).value();
}

TEST(TimeZone, KnowsIanaNamesAndRefusesOthersNamingAnExample) {
  EXPECT_EQ(zone("Europe/Paris").name(), "Europe/Paris");
  EXPECT_TRUE(find_time_zone("America/New_York").ok());
  EXPECT_TRUE(find_time_zone("UTC").ok());
  for (const char* bad : {"Paris", "Europe/Pariss", "", "europe/paris ", "../../etc/passwd",
                          "/usr/share/zoneinfo/Europe/Paris", "Europe/Paris\n", "+01:00"}) {
    const Checked<TimeZone> z = find_time_zone(bad);
    ASSERT_FALSE(z.ok()) << bad;
    EXPECT_NE(z.error().message.find("unknown time zone"), std::string::npos) << bad;
    EXPECT_NE(z.error().message.find("Europe/Paris"), std::string::npos) << bad;
  }
}

TEST(TimeZone, ParisOffsetsAndLocalTimesAcrossBothChanges) {
  const TimeZone paris = zone("Europe/Paris");
  // Spring forward: 2027-03-28 01:00 UTC, 02:00 CET becomes 03:00 CEST.
  EXPECT_EQ(paris.offset_ms(utc("2027-03-28 00:59")), kMillisPerHour);
  EXPECT_EQ(paris.offset_ms(utc("2027-03-28 01:00")), 2 * kMillisPerHour);
  EXPECT_EQ(paris.minute_at(utc("2027-03-28 00:59")), "2027-03-28 01:59");
  EXPECT_EQ(paris.minute_at(utc("2027-03-28 01:00")), "2027-03-28 03:00");
  // Fall back: 2027-10-31 01:00 UTC, 03:00 CEST becomes 02:00 CET.
  EXPECT_EQ(paris.minute_at(utc("2027-10-31 00:59")), "2027-10-31 02:59");
  EXPECT_EQ(paris.minute_at(utc("2027-10-31 01:00")), "2027-10-31 02:00");
  // The local date differs from the UTC date late in the evening.
  EXPECT_EQ(paris.date_at(utc("2027-06-30 22:30")), "2027-07-01");
}

TEST(TimeZone, NewYorkOffsetsAcrossBothChanges) {
  const TimeZone ny = zone("America/New_York");
  // 2027-03-14 07:00 UTC: 02:00 EST becomes 03:00 EDT; 2027-11-07 06:00 UTC: 02:00 EDT to 01:00.
  EXPECT_EQ(ny.minute_at(utc("2027-03-14 06:59")), "2027-03-14 01:59");
  EXPECT_EQ(ny.minute_at(utc("2027-03-14 07:00")), "2027-03-14 03:00");
  EXPECT_EQ(ny.minute_at(utc("2027-11-07 05:59")), "2027-11-07 01:59");
  EXPECT_EQ(ny.minute_at(utc("2027-11-07 06:00")), "2027-11-07 01:00");
  EXPECT_EQ(ny.date_at(utc("2027-01-01 03:00")), "2026-12-31");
}

TEST(TimeZone, ATypedTimeTheClocksSkippedIsRefusedSayingSo) {
  const TimeZone paris = zone("Europe/Paris");
  EXPECT_TRUE(paris.does_not_exist(wall("2027-03-28 02:30")));
  const Checked<std::int64_t> skipped = paris.instant_typed(wall("2027-03-28 02:30"));
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.error().message,
            "2027-03-28 02:30 does not exist in Europe/Paris: that night the clocks went from "
            "02:00 straight to 03:00 (a daylight-saving change); give a time before 02:00 or "
            "from 03:00");
  EXPECT_EQ(paris.instant_typed(wall("2027-03-28 01:59")).value(), utc("2027-03-28 00:59"));
  EXPECT_EQ(paris.instant_typed(wall("2027-03-28 03:00")).value(), utc("2027-03-28 01:00"));
  const TimeZone ny = zone("America/New_York");
  EXPECT_FALSE(ny.instant_typed(wall("2027-03-14 02:00")).ok());
}

TEST(TimeZone, ATypedTimeTheClocksShowedTwiceIsTheFirst) {
  const TimeZone paris = zone("Europe/Paris");
  EXPECT_TRUE(paris.is_ambiguous(wall("2027-10-31 02:30")));
  EXPECT_FALSE(paris.is_ambiguous(wall("2027-10-31 03:00")));
  // 02:30 CEST (00:30 UTC), not 02:30 CET (01:30 UTC).
  EXPECT_EQ(paris.instant_typed(wall("2027-10-31 02:30")).value(), utc("2027-10-31 00:30"));
  const TimeZone ny = zone("America/New_York");
  EXPECT_EQ(ny.instant_typed(wall("2027-11-07 01:30")).value(), utc("2027-11-07 05:30"));
}

TEST(TimeZone, AComputedTimeIsNeverLaterThanMeant) {
  const TimeZone paris = zone("Europe/Paris");
  // Skipped: the instant of the jump (02:00 CET = 03:00 CEST = 01:00 UTC).
  EXPECT_EQ(paris.instant_computed(wall("2027-03-28 02:30")), utc("2027-03-28 01:00"));
  // Doubled: the earlier.
  EXPECT_EQ(paris.instant_computed(wall("2027-10-31 02:30")), utc("2027-10-31 00:30"));
  EXPECT_EQ(paris.start_of_day(parse_date("2027-03-28").value()), utc("2027-03-27 23:00"));
  EXPECT_EQ(paris.start_of_day(parse_date("2027-03-29").value()), utc("2027-03-28 22:00"));
}

TEST(TimeZone, NamesTheLastAndNextChange) {
  const TimeZone paris = zone("Europe/Paris");
  const std::optional<ZoneChange> last = paris.last_change(utc("2027-03-28 09:00"));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->at_utc_ms, utc("2027-03-28 01:00"));
  EXPECT_EQ(last->offset_before_ms, kMillisPerHour);
  EXPECT_EQ(last->offset_after_ms, 2 * kMillisPerHour);
  EXPECT_EQ(format_wall_time(last->local_before), "2027-03-28 02:00");
  EXPECT_EQ(format_wall_time(last->local_after), "2027-03-28 03:00");
  const std::optional<ZoneChange> next = paris.next_change(utc("2027-03-28 09:00"));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->at_utc_ms, utc("2027-10-31 01:00"));
  EXPECT_EQ(format_wall_time(next->local_before), "2027-10-31 03:00");
  EXPECT_EQ(format_wall_time(next->local_after), "2027-10-31 02:00");
  EXPECT_FALSE(zone("UTC").last_change(utc("2027-03-28 09:00")).has_value());
}

}  // namespace
}  // namespace itdd::host
