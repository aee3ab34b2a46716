#include "itdd/programmer/clinic_overview.h"

#include <gtest/gtest.h>

namespace itdd::programmer {
namespace {

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kNow =
    1'765'000'000'000 - 1'765'000'000'000 % kMillisPerDay + 10 * 3'600'000;

const DrugLibrary& library() {
  static const DrugLibrary lib = *DrugLibrary::load(ITDD_SOURCE_DIR "/data/drug-library.json");
  return lib;
}

const host::TimeZone& utc() {
  static const host::TimeZone zone = *host::find_time_zone("UTC");
  return zone;
}

struct Clinic {
  ClinicSnapshot snap;

  // A patient with one pump whose last refill of `drug` sets the next refill `days` from now.
  PumpSnapshot& add(const std::string& serial, const std::string& drug,
                    std::optional<std::int64_t> days) {
    const std::int64_t id = static_cast<std::int64_t>(snap.patients.size()) + 1;
    snap.patients.push_back({id, "MRN-" + serial, "Patient " + serial, 0, Indication::kPain});
    PumpSnapshot p;
    p.pump.id = id;
    p.pump.patient_id = id;
    p.pump.serial = serial;
    p.pump.reservoir_capacity = Volume(20'000'000);
    PrescriptionRecord rx;
    rx.pump_id = id;
    rx.at_ms = kNow - 40 * kDay;
    rx.drug = drug;
    rx.concentration = Concentration(2'000'000);
    rx.max_daily_dose = DoseRate(100'000);  // 0.05 mL/day
    p.prescriptions.push_back(rx);
    if (days) {
      RefillRecord r;
      r.pump_id = id;
      r.at_ms = kNow - 30 * kDay;
      r.drug = drug;
      r.concentration = Concentration(2'000'000);
      r.volume = Volume(20'000'000);
      r.low_reservoir_alarm = Volume(2'000'000);
      r.next_refill_ms = kNow + *days * kDay;
      r.next_refill_rule = "stability";
      p.last_refill = r;
    }
    snap.pumps.push_back(p);
    return snap.pumps.back();
  }
  std::vector<std::string> order() const {
    std::vector<std::string> out;
    for (const OverviewRow& r : build_overview(snap, library(), kNow, utc())) {
      out.push_back(r.pump ? r.pump->serial : r.patient.mrn);
    }
    return out;
  }
};

TEST(ClinicOverview, BaclofenDueInThreeDaysComesBeforeMorphineDueInThirty) {
  Clinic c;
  c.add("MOR-30", "morphine", 30);
  c.add("BAC-3", "baclofen", 3);
  EXPECT_EQ(c.order(), (std::vector<std::string>{"BAC-3", "MOR-30"}));
  const auto rows = build_overview(c.snap, library(), kNow, utc());
  EXPECT_EQ(rows[0].state, RefillState::kDue);
  EXPECT_EQ(rows[0].days_left, 3);
  EXPECT_EQ(rows[0].risk, "high");
  ASSERT_FALSE(rows[0].reasons.empty());
  EXPECT_NE(rows[0].reasons[0].find("refill due in 3 days"), std::string::npos);
  EXPECT_NE(rows[0].reasons[0].find("withdrawal risk high"), std::string::npos);
  EXPECT_EQ(rows[1].state, RefillState::kLater);
  EXPECT_GT(rows[0].score, rows[1].score);
}

TEST(ClinicOverview, WithinTheWindowWithdrawalRiskComesBeforeFewerDays) {
  Clinic c;
  c.add("MOR-2", "morphine", 2);
  c.add("BAC-10", "baclofen", 10);
  EXPECT_EQ(c.order(), (std::vector<std::string>{"BAC-10", "MOR-2"}));
}

TEST(ClinicOverview, OverdueComesFirstThenUnknownThenDueThenLaterThenNoPump) {
  Clinic c;
  c.snap.patients.push_back({99, "MRN-NONE", "No pump", 0, Indication::kPain});
  c.add("BAC-LATER", "baclofen", 60);
  c.add("BAC-DUE", "baclofen", 5);
  c.add("MOR-UNKNOWN", "morphine", std::nullopt);
  c.add("MOR-OVERDUE", "morphine", -2);
  EXPECT_EQ(c.order(), (std::vector<std::string>{"MOR-OVERDUE", "MOR-UNKNOWN", "BAC-DUE",
                                                 "BAC-LATER", "MRN-NONE"}));
  const auto rows = build_overview(c.snap, library(), kNow, utc());
  EXPECT_EQ(rows[0].state, RefillState::kOverdue);
  EXPECT_EQ(rows[0].days_left, -2);
  EXPECT_NE(rows[0].reasons[0].find("overdue by 2 days"), std::string::npos);
  EXPECT_EQ(rows[4].state, RefillState::kNone);
}

TEST(ClinicOverview, AnOpenReservoirEmptyAlarmActsNowAndALowEstimateIsSaid) {
  Clinic c;
  c.add("BAC-LATER", "baclofen", 60);
  PumpSnapshot& empty = c.add("MOR-LATER", "morphine", 50);
  empty.open_alarms.push_back({1, 0, 0x0100, 2, 0, 0});  // reservoir-empty
  EXPECT_EQ(c.order(), (std::vector<std::string>{"MOR-LATER", "BAC-LATER"}));
  const auto rows = build_overview(c.snap, library(), kNow, utc());
  ASSERT_EQ(rows[0].open_alarms.size(), 1u);
  EXPECT_EQ(rows[0].tier, 0);
  // 20 mL less 0.05 mL/day for 30 days: 18.5 mL left, above the 2 mL alarm; projected low in
  // 330 days, after the refill date: nothing to say about it.
  ASSERT_TRUE(rows[1].reservoir_estimate.has_value());
  EXPECT_EQ(rows[1].reservoir_estimate->count(), 18'500'000);
  ASSERT_TRUE(rows[1].projected_low_ms.has_value());
  EXPECT_EQ(*rows[1].projected_low_ms, kNow + 330 * kDay);
}

TEST(ClinicOverview, TheReservoirProjectedLowBeforeTheRefillDateRaisesTheRow) {
  Clinic c;
  c.add("BAC-LATER", "baclofen", 60);
  PumpSnapshot& fast = c.add("MOR-FAST", "morphine", 40);
  fast.prescriptions[0].max_daily_dose = DoseRate(1'000'000);  // 0.5 mL/day: low in ~6 days
  const auto rows = build_overview(c.snap, library(), kNow, utc());
  EXPECT_EQ(rows[0].pump->serial, "MOR-FAST");
  EXPECT_EQ(rows[0].tier, 2);
  EXPECT_NE(rows[0].reasons.back().find("projected to reach its low-reservoir alarm"),
            std::string::npos);
}

TEST(ClinicOverview, BatteryAtEndOfServiceActsNowAndAtEriIsSaid) {
  Clinic c;
  c.add("BAC-LATER", "baclofen", 60);
  PumpSnapshot& eri = c.add("MOR-ERI", "morphine", 60);
  eri.battery = EventLogRecord{5, 0, 0x0209, 1, 0, 0};
  PumpSnapshot& eos = c.add("MOR-EOS", "morphine", 60);
  eos.battery = EventLogRecord{5, 0, 0x020A, 1, 0, 0};
  EXPECT_EQ(c.order(), (std::vector<std::string>{"MOR-EOS", "MOR-ERI", "BAC-LATER"}));
}

TEST(ClinicOverview, FiltersNarrowWithoutReorderingAndRefuseUnknownNames) {
  Clinic c;
  c.add("MOR-30", "morphine", 30);
  c.add("BAC-3", "baclofen", 3);
  c.add("BAC-40", "baclofen", 40);
  const auto rows = build_overview(c.snap, library(), kNow, utc());
  const auto baclofen = filter_overview(rows, {.drug = "baclofen"});
  ASSERT_TRUE(baclofen.ok());
  ASSERT_EQ(baclofen->size(), 2u);
  EXPECT_EQ((*baclofen)[0].pump->serial, "BAC-3");
  const auto search = filter_overview(rows, {.search = "mor-3"});
  ASSERT_TRUE(search.ok());
  ASSERT_EQ(search->size(), 1u);
  EXPECT_EQ((*search)[0].pump->serial, "MOR-30");
  const auto due = filter_overview(rows, {.state = "due"});
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 1u);
  const auto bad = filter_overview(rows, {.state = "soon"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "status");
  EXPECT_FALSE(filter_overview(rows, {.risk = "extreme"}).ok());
}

}  // namespace
}  // namespace itdd::programmer
