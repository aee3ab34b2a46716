// The wire's status in the host's form: units as types, optional facts as optionals, and a
// status the host cannot understand refused naming the field.
#include "itdd/programmer/implant_status.h"

#include <gtest/gtest.h>

#include <cstring>

#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

itdd_ImplantStatus filled_and_programmed() {
  itdd_ImplantStatus w = itdd_ImplantStatus_init_zero;
  w.activity = itdd_Activity_ACTIVITY_BASAL;
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = Concentration(10'000'000);
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = DoseRate(2'000'000);
  w.has_prescription = true;
  EXPECT_TRUE(protocol::prescription_to_wire(rx, w.prescription).ok());
  w.prescription_token = 0x1234;
  w.has_reservoir = true;
  w.reservoir.filled = true;
  w.reservoir.has_drug = true;
  std::strcpy(w.reservoir.drug.name, "morphine");
  w.reservoir.drug.unit = itdd_DoseUnit_DOSE_UNIT_MILLIGRAM;
  w.reservoir.concentration_ng_per_ml = 10'000'000;
  w.reservoir.remaining_nl = 12'500'000;
  w.reservoir.low_threshold_nl = 2'000'000;
  w.reservoir.has_low_at_wall_ms = true;
  w.reservoir.low_at_wall_ms = 5'000;
  w.reservoir.capacity_nl = 20'000'000;
  w.alarms_count = 1;
  w.alarms[0].kind = itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR;
  w.implant_ms = 1'000;
  w.wall_ms = 61'000;
  w.clock_valid = true;
  return w;
}

TEST(ImplantStatus, UnitsAsTypesAndOptionalFactsAsOptionals) {
  const Result<ImplantStatus> s = implant_status_from_wire(filled_and_programmed());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->prescription.has_value());
  EXPECT_EQ(s->prescription->continuous_dose, DoseRate(2'000'000));
  EXPECT_EQ(s->prescription_token, 0x1234U);
  ASSERT_TRUE(s->drug_held().has_value());
  EXPECT_STREQ(s->drug_held()->name.data(), "morphine");
  EXPECT_EQ(s->reservoir.remaining, microlitres(12'500));
  EXPECT_EQ(s->reservoir.low_at, WallTime(5'000));
  EXPECT_FALSE(s->reservoir.empty_at.has_value()) << "never, at the current program";
  EXPECT_EQ(s->reservoir.capacity, millilitres(20));
  EXPECT_FALSE(s->battery.has_value()) << "the status said none";
  ASSERT_EQ(s->alarms.size(), 1U);
  EXPECT_EQ(s->alarms[0].kind, itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR);
  EXPECT_EQ(s->wall_offset_ms(), 60'000);
}

TEST(ImplantStatus, ANewImplantHoldsNothingAndRunsNoProgram) {
  itdd_ImplantStatus w = itdd_ImplantStatus_init_zero;
  w.has_prescription = true;  // an empty prescription message: none programmed
  const Result<ImplantStatus> s = implant_status_from_wire(w);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->prescription.has_value());
  EXPECT_FALSE(s->drug_held().has_value());
}

TEST(ImplantStatus, WhatCannotBeUnderstoodIsRefusedNamingTheField) {
  itdd_ImplantStatus w = filled_and_programmed();
  protocol::set_raw_enum(w.prescription.drug.unit, 99);
  const Result<ImplantStatus> bad_rx = implant_status_from_wire(w);
  ASSERT_FALSE(bad_rx.ok());
  EXPECT_STREQ(bad_rx.error().field, "prescription");
  w = filled_and_programmed();
  protocol::set_raw_enum(w.reservoir.drug.unit, 99);
  ASSERT_FALSE(implant_status_from_wire(w).ok());
  EXPECT_STREQ(implant_status_from_wire(w).error().field, "reservoir.drug");
  w = filled_and_programmed();
  w.alarms_count = 200;
  EXPECT_STREQ(implant_status_from_wire(w).error().field, "alarms");
}

}  // namespace
}  // namespace itdd::programmer
