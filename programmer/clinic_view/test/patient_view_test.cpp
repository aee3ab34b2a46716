#include "itdd/programmer/patient_view.h"

#include <gtest/gtest.h>

#include "temp_clinic.h"

namespace itdd::programmer {
namespace {

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kHour = 3'600'000;
// 2026-06-01 00:00 UTC.
constexpr std::int64_t kStart = 1'780'272'000'000;

class PatientViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_ = *host::find_time_zone("UTC");
    ClinicDb& db = clinic_.db();
    PatientRecord p{0, "MRN-1", "Ann", 0, Indication::kSpasticity};
    const auto patient = db.add_patient(p);
    ASSERT_TRUE(patient.ok()) << patient.error().text();
    PumpRecord pump;
    pump.patient_id = *patient;
    pump.model = "peristaltic-20";
    pump.serial = "SN-1";
    pump.implant_date_ms = kStart - 100 * kDay;
    pump.catheter_length_mm = 450;
    pump.catheter_volume = Volume(170'000);
    pump.reservoir_capacity = Volume(20'000'000);
    const auto id = db.add_pump(pump, {100, 1100, Volume(26'000), Volume(286'000)});
    ASSERT_TRUE(id.ok()) << id.error().text();
    pump_ = *id;
    const auto s = db.begin_session({0, pump_, "Dr Ada", "dashboard", kStart, {}, ""});
    ASSERT_TRUE(s.ok());
    PrescriptionRecord rx{0,
                          pump_,
                          *s,
                          kStart,
                          1,
                          "baclofen",
                          Concentration(2'000'000),
                          "continuous",
                          DoseRate(240'000),
                          "{}"};
    ASSERT_TRUE(db.record_prescription(rx).ok());
    RefillRecord r;
    r.pump_id = pump_;
    r.session_id = *s;
    r.at_ms = kStart;
    r.expected = Volume(2'000'000);
    r.withdrawn = Volume(2'000'000);
    r.drug = "baclofen";
    r.concentration = Concentration(2'000'000);
    r.volume = Volume(20'000'000);
    r.low_reservoir_alarm = Volume(2'000'000);
    r.next_refill_ms = kStart + 60 * kDay;
    r.next_refill_rule = "stability";
    const auto refill = db.record_refill(r);
    ASSERT_TRUE(refill.ok()) << refill.error().text();
    // The implant's clock: hour 1000 of its monotonic clock is kStart.
    ASSERT_TRUE(db.set_implant_clock_offset(pump_, {kStart - 1000 * kHour, kStart}).ok());
    std::vector<DeliveryHourRecord> hours;
    for (int h = 0; h < 48; ++h) hours.push_back({1000 + h, Volume(5'000), 3});
    ASSERT_TRUE(db.store_delivery_hours(pump_, hours).ok());
    ASSERT_TRUE(db.store_event_log(pump_, {{1, (1000 + 5) * kHour, 0x0008, 0, 10'000, 60'000},
                                           {2, (1000 + 6) * kHour, 0x0009, 1, 0, 0},
                                           {3, (1000 + 7) * kHour, 0x0100, 1, 0, 0}})
                    .ok());
  }
  testing::TempClinic clinic_;
  host::TimeZone zone_ = *host::find_time_zone("UTC");
  std::int64_t pump_ = 0;
};

TEST_F(PatientViewTest, HoursDaysRefillsBolusesAndAlarmsArePlacedOnTheClinicsTimeLine) {
  const auto s = pump_series(clinic_.db(), pump_, kStart - kDay, kStart + 3 * kDay, zone_);
  ASSERT_TRUE(s.ok()) << s.error().text();
  EXPECT_TRUE(s->implant_clock_known);
  ASSERT_EQ(s->hourly.size(), 48u);
  EXPECT_EQ(s->hourly[0].t_ms, kStart);
  // 5 uL at 2 mg/mL = 10 ug = 10,000 ng.
  EXPECT_EQ(s->hourly[0].dose_ng, 10'000);
  ASSERT_EQ(s->daily.size(), 2u);
  EXPECT_EQ(s->daily[0].t_ms, kStart);
  EXPECT_EQ(s->daily[0].volume_nl, 24 * 5'000);
  EXPECT_EQ(s->daily[0].dose_ng, 240'000);
  ASSERT_EQ(s->reservoir_measured.size(), 1u);
  EXPECT_GT(s->reservoir_measured[0].band.count(), 0);
  ASSERT_FALSE(s->reservoir_predicted.empty());
  EXPECT_EQ(s->reservoir_predicted[0].t_ms, kStart);
  EXPECT_EQ(s->reservoir_predicted[0].volume_nl, 20'000'000);
  // A day at 240 ug/day of 2 mg/mL: 0.12 mL.
  EXPECT_EQ(s->reservoir_predicted[1].volume_nl, 20'000'000 - 120'000);
  ASSERT_EQ(s->prescriptions.size(), 1u);
  EXPECT_EQ(s->prescriptions[0].max_daily_dose.count(), 240'000);
  ASSERT_EQ(s->boluses.size(), 2u);
  EXPECT_TRUE(s->boluses[0].granted);
  EXPECT_EQ(s->boluses[0].t_ms, kStart + 5 * kHour);
  EXPECT_EQ(s->boluses[0].dose_ng, 20'000);
  EXPECT_FALSE(s->boluses[1].granted);
  ASSERT_EQ(s->alarms.size(), 1u);
  EXPECT_EQ(s->alarms[0].name, "low-reservoir");
  ASSERT_EQ(s->sessions.size(), 1u);
}

TEST_F(PatientViewTest, ARangeOutsideTheHistoryIsEmptyAndABadRangeIsRefused) {
  const auto before = pump_series(clinic_.db(), pump_, kStart - 10 * kDay, kStart - kDay, zone_);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->hourly.empty());
  EXPECT_TRUE(before->reservoir_measured.empty());
  const auto reversed = pump_series(clinic_.db(), pump_, kStart, kStart - kDay, zone_);
  ASSERT_FALSE(reversed.ok());
  EXPECT_EQ(reversed.error().field, "from_ms");
  const auto too_long = pump_series(clinic_.db(), pump_, kStart - 500 * kDay, kStart, zone_);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().field, "from_ms");
  const auto unknown = pump_series(clinic_.db(), 9999, kStart - kDay, kStart, zone_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "pump_id");
}

}  // namespace
}  // namespace itdd::programmer
