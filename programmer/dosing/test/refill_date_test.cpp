#include "itdd/programmer/refill_date.h"

#include <gtest/gtest.h>

#include <string>

#include "itdd/host/wall_time.h"

namespace itdd::programmer {
namespace {

using host::Checked;

const WallTime kFilled = host::parse_wall_time("2025-03-03 10:00").value();

WallTime after(std::int64_t d) {
  return WallTime(kFilled.ms() + days(d).count());
}

TEST(RefillDate, LowReservoirLessTheMarginDecides) {
  const RefillDate r = next_refill_date(after(30), days(5), kFilled, 40, std::nullopt, 180);
  EXPECT_EQ(r.due, after(25));
  EXPECT_EQ(r.decided_by, RefillRule::kLowReservoir);
  EXPECT_EQ(r.reason,
            "due 2025-03-28 10:00: the reservoir is predicted low on 2025-04-02 10:00, less the "
            "5-day safety margin");
}

TEST(RefillDate, StabilityDecides) {
  const RefillDate r = next_refill_date(after(60), days(5), kFilled, 40, std::nullopt, 180);
  EXPECT_EQ(r.due, after(40));
  EXPECT_EQ(r.decided_by, RefillRule::kStability);
  EXPECT_STREQ(refill_rule_name(r.decided_by), "stability");
  // No predicted low reservoir (a stopped pump): stability still applies.
  EXPECT_EQ(next_refill_date(std::nullopt, days(5), kFilled, 40, std::nullopt, 180).due, after(40));
}

TEST(RefillDate, FirstFillStabilityDecides) {
  const RefillDate r = next_refill_date(after(60), days(5), kFilled, 84, 14, 180);
  EXPECT_EQ(r.due, after(14));
  EXPECT_EQ(r.decided_by, RefillRule::kFirstFillStability);
  EXPECT_NE(r.reason.find("within 14 days of 2025-03-03 10:00"), std::string::npos);
}

TEST(RefillDate, MaximumIntervalDecides) {
  const RefillDate r = next_refill_date(after(400), days(5), kFilled, 365, std::nullopt, 180);
  EXPECT_EQ(r.due, after(180));
  EXPECT_EQ(r.decided_by, RefillRule::kMaxInterval);
  EXPECT_STREQ(refill_rule_name(r.decided_by), "max-refill-interval");
}

TEST(RefillDate, OnATieTheReservoirIsNamed) {
  const RefillDate r = next_refill_date(after(45), days(5), kFilled, 40, std::nullopt, 40);
  EXPECT_EQ(r.due, after(40));
  EXPECT_EQ(r.decided_by, RefillRule::kLowReservoir);
}

TEST(RefillDate, RulesFromTheLibrary) {
  const Checked<DrugLibrary> lib =
      DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json");
  ASSERT_TRUE(lib.ok());
  const DrugSpec& zic = *lib->find("ziconotide");
  const RefillRules first = refill_rules(lib.value(), zic, true, Dilution::kUndiluted);
  EXPECT_EQ(first.safety_margin, days(5));
  EXPECT_EQ(first.stability_days, 84);
  EXPECT_EQ(first.first_fill_stability_days, 14);
  EXPECT_EQ(first.max_refill_interval_days, 180);
  EXPECT_EQ(first.sources.size(), 4u);
  const RefillRules diluted = refill_rules(lib.value(), zic, false, Dilution::kDilutedOrUnknown);
  EXPECT_EQ(diluted.stability_days, 40);
  EXPECT_FALSE(diluted.first_fill_stability_days);
  const RefillRules bac =
      refill_rules(lib.value(), *lib->find("baclofen"), true, Dilution::kUndiluted);
  EXPECT_EQ(bac.stability_days, 180);
  EXPECT_FALSE(bac.first_fill_stability_days);  // no first-fill figure for baclofen
  EXPECT_EQ(bac.max_refill_interval_days, 180);
  EXPECT_NE(bac.sources[0].find("Clinics refill 3-5 days before the alarm date"),
            std::string::npos);
  // The rules feed the date: a ziconotide first fill with the reservoir low in 60 days.
  const RefillDate r =
      next_refill_date(after(60), first.safety_margin, kFilled, first.stability_days,
                       first.first_fill_stability_days, first.max_refill_interval_days);
  EXPECT_EQ(r.decided_by, RefillRule::kFirstFillStability);
}

// ---- in the clinic's time zone, across daylight-saving changes ----

namespace tz {

std::int64_t utc(const char* text) {
  return host::parse_wall_time(text).value().ms();
}
WallTime wall(const char* text) {
  return host::parse_wall_time(text).value();
}
host::TimeZone zone(const char* name) {
  return host::find_time_zone(name).value();
}

// Days are the clinic's calendar days: 14 days after 10:00 is 10:00, whichever way the clocks
// changed in between (13 d 23 h in spring, 14 d 1 h in autumn).
TEST(RefillDateInClinic, CountsCalendarDaysAcrossBothParisChanges) {
  const host::TimeZone paris = zone("Europe/Paris");
  // Filled 2027-03-20 10:00 CET (09:00 UTC); the implant's clock agrees.
  const ClinicRefillDate spring =
      next_refill_in_clinic(paris, utc("2027-03-20 09:00"), wall("2027-03-20 10:00"), std::nullopt,
                            days(5), 14, std::nullopt, 90);
  EXPECT_EQ(host::format_wall_time(spring.local.due), "2027-04-03 10:00");
  EXPECT_EQ(spring.due_utc_ms, utc("2027-04-03 08:00"));  // CEST
  EXPECT_EQ(spring.local.reason,
            "due 2027-04-03 10:00: the solution is stable for 14 days after the fill on "
            "2027-03-20 10:00");
  EXPECT_EQ(spring.local.why,
            "the solution is stable for 14 days after the fill on 2027-03-20 10:00");
  // Filled 2027-10-20 10:00 CEST (08:00 UTC).
  const ClinicRefillDate autumn =
      next_refill_in_clinic(paris, utc("2027-10-20 08:00"), wall("2027-10-20 10:00"), std::nullopt,
                            days(5), 14, std::nullopt, 90);
  EXPECT_EQ(host::format_wall_time(autumn.local.due), "2027-11-03 10:00");
  EXPECT_EQ(autumn.due_utc_ms, utc("2027-11-03 09:00"));  // CET
}

TEST(RefillDateInClinic, CountsCalendarDaysAcrossBothNewYorkChanges) {
  const host::TimeZone ny = zone("America/New_York");
  const ClinicRefillDate spring =
      next_refill_in_clinic(ny, utc("2027-03-10 14:00"), wall("2027-03-10 09:00"), std::nullopt,
                            days(5), 7, std::nullopt, 90);
  EXPECT_EQ(spring.due_utc_ms, utc("2027-03-17 13:00"));  // 09:00 EDT
  const ClinicRefillDate autumn =
      next_refill_in_clinic(ny, utc("2027-11-01 13:00"), wall("2027-11-01 09:00"), std::nullopt,
                            days(5), 7, std::nullopt, 90);
  EXPECT_EQ(autumn.due_utc_ms, utc("2027-11-08 14:00"));  // 09:00 EST
}

// The implant kept winter time after the change (its clock an hour behind the clinic's): its
// projected low-reservoir time is moved onto the clinic's clock, so the date said is the
// clinic's and the instant is the same whatever the implant's clock reads.
TEST(RefillDateInClinic, TheImplantsLowReservoirTimeIsMovedOntoTheClinicsClock) {
  const host::TimeZone paris = zone("Europe/Paris");
  const std::int64_t now = utc("2027-03-28 09:00");  // 11:00 CEST
  const ClinicRefillDate behind =
      next_refill_in_clinic(paris, now, wall("2027-03-28 10:00"), wall("2027-04-10 10:00"), days(5),
                            30, std::nullopt, 90);
  const ClinicRefillDate right =
      next_refill_in_clinic(paris, now, wall("2027-03-28 11:00"), wall("2027-04-10 11:00"), days(5),
                            30, std::nullopt, 90);
  EXPECT_EQ(behind.low_reservoir_utc_ms, std::optional<std::int64_t>(utc("2027-04-10 09:00")));
  EXPECT_EQ(behind.due_utc_ms, utc("2027-04-05 09:00"));  // 11:00 CEST, 5 days before
  EXPECT_EQ(behind.local.reason, right.local.reason);
  EXPECT_EQ(behind.due_utc_ms, right.due_utc_ms);
  EXPECT_EQ(behind.local.reason,
            "due 2027-04-05 11:00: the reservoir is predicted low on 2027-04-10 11:00, less the "
            "5-day safety margin");
}

// 14 days after 02:30 on 2027-03-14 is 02:30 on 2027-03-28, a time Paris skips: the refill is
// due at the jump (03:00 CEST), never later, and said so.
TEST(RefillDateInClinic, ADueTimeTheClocksSkipIsTheJumpNeverLater) {
  const host::TimeZone paris = zone("Europe/Paris");
  const ClinicRefillDate r =
      next_refill_in_clinic(paris, utc("2027-03-14 01:30"), wall("2027-03-14 02:30"), std::nullopt,
                            days(5), 14, std::nullopt, 90);
  EXPECT_EQ(r.due_utc_ms, utc("2027-03-28 01:00"));
  EXPECT_EQ(host::format_wall_time(r.local.due), "2027-03-28 03:00");
  EXPECT_EQ(r.local.reason.rfind("due 2027-03-28 03:00: ", 0), 0u) << r.local.reason;
}

}  // namespace tz

}  // namespace
}  // namespace itdd::programmer
