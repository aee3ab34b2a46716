// Fixed-rate gas-driven pumps in the clinic database (migration 9), on both backends: recorded
// with their model's figures and first fill, refilled with a new concentration, shown apart in
// the snapshot and in the refill calendar, and every record only a programmable pump has
// refused for them, naming the field and the pump's kind.
#include <gtest/gtest.h>

#include "clinic_db_fixture.h"

namespace itdd::programmer {
namespace {

class FixedRateDbTest : public ClinicDbTest {
 protected:
  // gas-fixed-30 as data/pump-models.json gives it.
  static PumpRecord gas_pump_for(std::int64_t patient_id, const std::string& serial) {
    PumpRecord p;
    p.patient_id = patient_id;
    p.model = "gas-fixed-30";
    p.serial = serial;
    p.implant_date_ms = kToday - 10 * kDay;
    p.catheter_length_mm = 450;
    p.catheter_volume = microlitres(170);
    p.reservoir_capacity = millilitres(30);
    return p;
  }
  static constexpr FixedRatePumpRecord kFigures{0, FlowRate(1'000'000), 150, Volume(1'000'000),
                                                Volume(2'000'000)};
  static FixedRateRefillRecord fill_at(std::int64_t at, std::int64_t concentration) {
    FixedRateRefillRecord f;
    f.at_ms = at;
    f.clinician = "Dr Ada";
    f.drug = "morphine";
    f.concentration = Concentration(concentration);
    f.volume = millilitres(30);
    f.next_refill_ms = at + 18 * kDay;
    f.next_refill_rule = "the reservoir is predicted low ... at the label's +15 %";
    f.empty_at_worst_ms = at + 25 * kDay;
    return f;
  }
  std::int64_t add_gas_pump(std::int64_t patient_id, const std::string& serial) {
    const host::Checked<std::int64_t> id =
        db_->add_fixed_rate_pump(gas_pump_for(patient_id, serial), kFigures, kCatheter,
                                 fill_at(kToday - 10 * kDay, 2'000'000));
    EXPECT_TRUE(id.ok()) << id.error().text();
    return id.ok() ? *id : 0;
  }
};

TEST_P(FixedRateDbTest, AFixedRatePumpIsRecordedWithItsFiguresAndRefilledWithANewConcentration) {
  const std::int64_t patient = add_patient("G-1");
  const std::int64_t pump = add_gas_pump(patient, "GAS-1");
  const host::Checked<std::optional<FixedRatePumpRecord>> f = db_->fixed_rate_pump(pump);
  ASSERT_OK(f);
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ((*f)->nominal_flow, FlowRate(1'000'000));
  EXPECT_EQ((*f)->flow_tolerance_permille, 150);
  EXPECT_EQ((*f)->residual_volume, Volume(1'000'000));
  EXPECT_EQ((*f)->refill_margin, Volume(2'000'000));
  // A programmable pump has none.
  const std::int64_t programmable = add_pump(patient, "SN-1");
  ASSERT_OK(db_->fixed_rate_pump(programmable));
  EXPECT_FALSE(db_->fixed_rate_pump(programmable)->has_value());

  FixedRateRefillRecord refill = fill_at(kToday, 3'000'000);
  refill.pump_id = pump;
  refill.withdrawn = millilitres(19);
  ASSERT_OK(db_->record_fixed_rate_refill(refill));
  const auto fills = db_->fixed_rate_refills(pump);
  ASSERT_OK(fills);
  ASSERT_EQ(fills->size(), 2U);
  EXPECT_EQ((*fills)[0].concentration, Concentration(2'000'000));
  EXPECT_EQ((*fills)[1].concentration, Concentration(3'000'000));
  EXPECT_EQ((*fills)[1].withdrawn, millilitres(19));
  EXPECT_EQ((*fills)[1].clinician, "Dr Ada");
  EXPECT_EQ((*fills)[1].empty_at_worst_ms, kToday + 25 * kDay);

  // The snapshot keeps it apart from the programmable pumps, with its latest fill.
  const host::Checked<ClinicSnapshot> snap = db_->clinic_snapshot();
  ASSERT_OK(snap);
  ASSERT_EQ(snap->pumps.size(), 1U);
  EXPECT_EQ(snap->pumps[0].pump.serial, "SN-1");
  ASSERT_EQ(snap->fixed_rate_pumps.size(), 1U);
  EXPECT_EQ(snap->fixed_rate_pumps[0].pump.serial, "GAS-1");
  EXPECT_EQ(snap->fixed_rate_pumps[0].figures.nominal_flow, FlowRate(1'000'000));
  ASSERT_TRUE(snap->fixed_rate_pumps[0].last_refill.has_value());
  EXPECT_EQ(snap->fixed_rate_pumps[0].last_refill->concentration, Concentration(3'000'000));
  const host::Checked<ClinicSnapshot> mine = db_->clinic_snapshot(patient);
  ASSERT_OK(mine);
  EXPECT_EQ(mine->fixed_rate_pumps.size(), 1U);

  // The refill calendar: its date, marked fixed-rate; the programmable pump is "unknown".
  const host::Checked<std::vector<DueRow>> due = db_->due(kToday, 30 * kDay);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 2U);
  const DueRow& gas = (*due)[0].pump.serial == "GAS-1" ? (*due)[0] : (*due)[1];
  EXPECT_TRUE(gas.fixed_rate);
  EXPECT_EQ(gas.status, DueStatus::kDue);
  EXPECT_EQ(gas.drug, "morphine");
  EXPECT_EQ(gas.days_left, 18);
  EXPECT_EQ(gas.next_refill_date, "2025-03-19");
  // Outside the window, not listed.
  ASSERT_OK(db_->due(kToday, 10 * kDay));
  EXPECT_EQ(db_->due(kToday, 10 * kDay)->size(), 1U);
}

TEST_P(FixedRateDbTest, WhatOnlyAProgrammablePumpHasIsRefusedNamingTheKind) {
  const std::int64_t patient = add_patient("G-2");
  const std::int64_t pump = add_gas_pump(patient, "GAS-2");
  SessionRecord s;
  s.pump_id = pump;
  s.operator_name = "Dr Ada";
  s.device = "programmer-1";
  s.started_at_ms = kToday;
  const host::Checked<std::int64_t> session = db_->begin_session(s);
  expect_refused(session, host::RefusalKind::kInvalidArgument, "pump_id");
  EXPECT_NE(session.error().message.find("pump GAS-2 (gas-fixed-30) is a fixed-rate gas-driven "
                                         "pump, not programmable: there is no programming session "
                                         "with it; its dose changes only with the concentration "
                                         "put in at a refill"),
            std::string::npos)
      << session.error().message;
  // A flexible prescription: refused, the field named, whatever session it claims.
  PrescriptionRecord flex = prescription_for(pump, 1, kToday, 100'000);
  flex.mode = "flex";
  const host::Checked<std::int64_t> p = db_->record_prescription(flex);
  expect_refused(p, host::RefusalKind::kInvalidArgument, "mode");
  EXPECT_NE(p.error().message.find("a flex prescription has nothing to run on"), std::string::npos);
  expect_refused(db_->record_refill(refill_for(pump, 1, kToday, kToday + kDay)),
                 host::RefusalKind::kInvalidArgument, "pump_id");
  expect_refused(db_->store_event_log(pump, {EventLogRecord{1, kToday, 256, 1, 0, 0}}),
                 host::RefusalKind::kInvalidArgument, "pump_id");
  expect_refused(db_->store_delivery_hours(pump, {DeliveryHourRecord{1, Volume(40'000), 40}}),
                 host::RefusalKind::kInvalidArgument, "pump_id");
  expect_refused(db_->set_implant_public_key(pump, std::string(64, 'a')),
                 host::RefusalKind::kInvalidArgument, "pump_id");
  expect_refused(db_->set_implant_clock_offset(pump, ImplantClockOffset{0, kToday}),
                 host::RefusalKind::kInvalidArgument, "pump_id");
  // And a fixed-rate refill of a programmable pump.
  const std::int64_t programmable = add_pump(patient, "SN-2");
  FixedRateRefillRecord r = fill_at(kToday, 1'000'000);
  r.pump_id = programmable;
  r.volume = millilitres(18);
  const host::Checked<std::int64_t> wrong = db_->record_fixed_rate_refill(r);
  expect_refused(wrong, host::RefusalKind::kInvalidArgument, "pump_id");
  EXPECT_NE(wrong.error().message.find("is programmable"), std::string::npos);
  // Nothing was written.
  EXPECT_TRUE(db_->sessions_of(pump)->empty());
  EXPECT_TRUE(db_->event_log(pump)->empty());
  EXPECT_TRUE(db_->fixed_rate_refills(programmable)->empty());
}

TEST_P(FixedRateDbTest, BadFiguresAndFillsAreRefusedNamingTheFieldAndNothingIsWritten) {
  const std::int64_t patient = add_patient("G-3");
  const auto refused = [&](PumpRecord p, FixedRatePumpRecord f, FixedRateRefillRecord fill,
                           const std::string& field) {
    expect_refused(db_->add_fixed_rate_pump(p, f, kCatheter, fill),
                   host::RefusalKind::kInvalidArgument, field);
  };
  const PumpRecord p = gas_pump_for(patient, "GAS-3");
  const FixedRateRefillRecord fill = fill_at(kToday, 2'000'000);
  PumpRecord keyed = p;
  keyed.implant_public_key_hex = std::string(64, 'b');
  refused(keyed, kFigures, fill, "implant_public_key_hex");
  FixedRatePumpRecord f = kFigures;
  f.nominal_flow = FlowRate(0);
  refused(p, f, fill, "nominal_flow");
  f = kFigures;
  f.flow_tolerance_permille = 1000;
  refused(p, f, fill, "flow_tolerance_permille");
  f = kFigures;
  f.residual_volume = millilitres(30);
  refused(p, f, fill, "residual_volume");
  FixedRateRefillRecord bad = fill;
  bad.volume = millilitres(31);
  refused(p, kFigures, bad, "volume");
  bad = fill;
  bad.volume = millilitres(1);  // no more than the residual volume
  refused(p, kFigures, bad, "volume");
  bad = fill;
  bad.concentration = Concentration(0);
  refused(p, kFigures, bad, "concentration");
  bad = fill;
  bad.clinician = "";
  refused(p, kFigures, bad, "clinician");
  bad = fill;
  bad.at_ms = p.implant_date_ms - kDay;
  refused(p, kFigures, bad, "at_ms");
  PumpRecord outside = p;
  outside.catheter_length_mm = 5'000;
  refused(outside, kFigures, fill, "catheter_length_mm");
  EXPECT_TRUE(db_->list_pumps()->empty());
  // A refill before the last fill.
  const std::int64_t pump = add_gas_pump(patient, "GAS-3");
  FixedRateRefillRecord early = fill_at(kToday - 11 * kDay, 2'000'000);
  early.pump_id = pump;
  expect_refused(db_->record_fixed_rate_refill(early), host::RefusalKind::kInvalidArgument,
                 "at_ms");
  EXPECT_EQ(db_->fixed_rate_refills(pump)->size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Backends, FixedRateDbTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace itdd::programmer
