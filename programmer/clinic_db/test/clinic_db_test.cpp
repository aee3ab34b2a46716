// One suite, two backends: every TEST_P runs on SQLite (a temporary file) and on PostgreSQL
// (a schema of its own in the database $ITDD_TEST_POSTGRES_URL names, so tests run in
// parallel). Without that variable the PostgreSQL half skips, or fails when
// ITDD_REQUIRE_POSTGRES=1: scripts/with-postgres.sh provides a throwaway server.
#include "itdd/programmer/clinic_db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "clinic_db_fixture.h"
#include "itdd/programmer/clinic_checks.h"
#include "itdd/programmer/outcome.h"
#include "sql_connection.h"

namespace itdd::programmer {
namespace {

// ---- patients ----

TEST_P(ClinicDbTest, PatientsAreAddedFoundAndListedByMrn) {
  const std::int64_t b = add_patient("B-2", Indication::kPain);
  const std::int64_t a = add_patient("A-1", Indication::kSpasticity);
  EXPECT_NE(a, b);

  const host::Checked<PatientRecord> found = db_->find_patient_by_mrn("B-2");
  ASSERT_OK(found);
  EXPECT_EQ(found->id, b);
  EXPECT_EQ(found->name, "Patient B-2");
  EXPECT_EQ(found->birth_date_ms, kToday - 40 * 365 * kDay);
  EXPECT_EQ(found->indication, Indication::kPain);

  const host::Checked<PatientRecord> by_id = db_->patient(a);
  ASSERT_OK(by_id);
  EXPECT_EQ(by_id->mrn, "A-1");
  EXPECT_EQ(by_id->indication, Indication::kSpasticity);

  const auto all = db_->list_patients();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].mrn, "A-1");
  EXPECT_EQ((*all)[1].mrn, "B-2");

  expect_refused(db_->find_patient_by_mrn("C-3"), host::RefusalKind::kNotFound, "mrn");
  expect_refused(db_->patient(9999), host::RefusalKind::kNotFound, "patient_id");
}

TEST_P(ClinicDbTest, InvalidOrDuplicatePatientIsRefusedAndNothingWritten) {
  add_patient("M-1");
  PatientRecord p;
  p.mrn = "";
  p.name = "No MRN";
  expect_refused(db_->add_patient(p), host::RefusalKind::kInvalidArgument, "mrn");
  p.mrn = "   ";
  expect_refused(db_->add_patient(p), host::RefusalKind::kInvalidArgument, "mrn");
  p.mrn = "M-2";
  p.name = "";
  expect_refused(db_->add_patient(p), host::RefusalKind::kInvalidArgument, "name");
  // Both engines must store the same text: malformed UTF-8 and NUL are refused, not mangled.
  p.name =
      "Ren\xe9"
      "e";  // Latin-1, not UTF-8
  expect_refused(db_->add_patient(p), host::RefusalKind::kInvalidArgument, "name");
  p.name =
      "Ren\xc3\xa9"
      "e";  // UTF-8: accepted below
  p.mrn = std::string("M-\0-3", 5);
  expect_refused(db_->add_patient(p), host::RefusalKind::kInvalidArgument, "mrn");
  p.mrn = "M-3";
  ASSERT_OK(db_->add_patient(p));
  EXPECT_EQ(db_->find_patient_by_mrn("M-3")->name,
            "Ren\xc3\xa9"
            "e");
  p.mrn = "M-1";
  p.name = "Someone else";
  const auto refused = db_->add_patient(p);
  ASSERT_FALSE(refused.ok());
  const host::Refusal dup = refused.error();
  expect_error(dup, host::RefusalKind::kConflict, "mrn");
  EXPECT_NE(dup.message.find("M-1"), std::string::npos) << dup.message;

  const auto all = db_->list_patients();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "Patient M-1");
}

// ---- pumps ----

TEST_P(ClinicDbTest, PumpsAreAddedFoundListedAndUpdated) {
  const std::int64_t patient = add_patient("P-1");
  PumpRecord in = pump_for(patient, "SN-200");
  in.implant_public_key_hex = std::string(64, 'a');
  const host::Checked<std::int64_t> id = db_->add_pump(in, kCatheter);
  ASSERT_OK(id);
  const std::int64_t second = add_pump(patient, "SN-100");

  const host::Checked<PumpRecord> found = db_->find_pump_by_serial("SN-200");
  ASSERT_OK(found);
  EXPECT_EQ(found->id, *id);
  EXPECT_EQ(found->patient_id, patient);
  EXPECT_EQ(found->model, "peristaltic-20");
  EXPECT_EQ(found->implant_date_ms, in.implant_date_ms);
  EXPECT_EQ(found->catheter_length_mm, 450);
  EXPECT_EQ(found->catheter_volume, microlitres(170));
  EXPECT_EQ(found->reservoir_capacity, millilitres(20));
  EXPECT_EQ(found->implant_public_key_hex, std::string(64, 'a'));
  EXPECT_TRUE(found->active);

  const auto all = db_->list_pumps();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].serial, "SN-100");
  EXPECT_EQ((*all)[0].implant_public_key_hex, "");
  const auto of = db_->pumps_of(patient);
  ASSERT_OK(of);
  EXPECT_EQ(of->size(), 2u);

  ASSERT_OK(db_->set_pump_active(second, false));
  ASSERT_OK(db_->set_implant_public_key(second, std::string(64, 'B')));
  const host::Checked<PumpRecord> changed = db_->pump(second);
  ASSERT_OK(changed);
  EXPECT_FALSE(changed->active);
  EXPECT_EQ(changed->implant_public_key_hex, std::string(64, 'B'));
  expect_refused(db_->set_implant_public_key(second, "abc"), host::RefusalKind::kInvalidArgument,
                 "implant_public_key_hex");
  expect_refused(db_->set_pump_active(777, true), host::RefusalKind::kNotFound, "pump_id");
  expect_refused(db_->find_pump_by_serial("nope"), host::RefusalKind::kNotFound, "serial");
}

TEST_P(ClinicDbTest, InvalidOrDuplicatePumpIsRefusedAndNothingWritten) {
  const std::int64_t patient = add_patient("P-1");
  add_pump(patient, "SN-1");

  expect_refused(db_->add_pump(pump_for(patient, "SN-1"), kCatheter), host::RefusalKind::kConflict,
                 "serial");
  expect_refused(db_->add_pump(pump_for(patient + 100, "SN-2"), kCatheter),
                 host::RefusalKind::kNotFound, "patient_id");
  PumpRecord p = pump_for(patient, "SN-2");
  p.catheter_volume = Volume(-1);
  expect_refused(db_->add_pump(p, kCatheter), host::RefusalKind::kInvalidArgument,
                 "catheter_volume");
  p = pump_for(patient, "SN-2");
  p.catheter_length_mm = 0;
  expect_refused(db_->add_pump(p, kCatheter), host::RefusalKind::kInvalidArgument,
                 "catheter_length_mm");
  p = pump_for(patient, "SN-2");
  p.reservoir_capacity = Volume(0);
  expect_refused(db_->add_pump(p, kCatheter), host::RefusalKind::kInvalidArgument,
                 "reservoir_capacity");
  p = pump_for(patient, "");
  expect_refused(db_->add_pump(p, kCatheter), host::RefusalKind::kInvalidArgument, "serial");
  p = pump_for(patient, "SN-2");
  p.model = "";
  expect_refused(db_->add_pump(p, kCatheter), host::RefusalKind::kInvalidArgument, "model");
  p = pump_for(patient, "SN-2");
  p.implant_public_key_hex = std::string(64, 'g');
  expect_refused(db_->add_pump(p, kCatheter), host::RefusalKind::kInvalidArgument,
                 "implant_public_key_hex");
  p = pump_for(patient, "SN-2");
  p.implant_date_ms = kToday - 50 * 365 * kDay;  // before the patient was born
  expect_refused(db_->add_pump(p, kCatheter), host::RefusalKind::kInvalidArgument,
                 "implant_date_ms");

  const auto all = db_->list_pumps();
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 1u);
}

// Implausible data is refused by the database itself (clinic_checks.h), whichever front end
// sends it, with a message saying what is allowed; nothing is written.
TEST_P(ClinicDbTest, ImplausiblePatientsAndPumpsAreRefusedSayingWhatIsAllowed) {
  const std::int64_t tomorrow = now_utc_ms() + kDay;
  PatientRecord p;
  p.mrn = "M-1";
  p.name = "Ada Lovelace";
  p.indication = Indication::kPain;
  const auto refused_patient = [&](const PatientRecord& bad, const std::string& field,
                                   const std::string& words) {
    const host::Checked<std::int64_t> r = db_->add_patient(bad);
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_EQ(r.error().field, field);
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  p.birth_date_ms = tomorrow;
  refused_patient(p, "birth_date_ms", "is in the future: give a date from 1900-01-01 to today");
  p.birth_date_ms = kEarliestDateMs - kDay;  // 1899-12-31
  refused_patient(p, "birth_date_ms", "1899-12-31 is before 1900-01-01");
  p.birth_date_ms = kToday - 40 * 365 * kDay;
  p.name = "Ada\nLovelace";
  refused_patient(p, "name", "a line break (U+000A) at character 4");
  p.name = "Ada \u202eecalevol";  // RIGHT-TO-LEFT OVERRIDE
  refused_patient(p, "name", "a bidirectional control");
  p.name = "Ada";
  p.mrn = "M-\x1b[2J";  // an escape sequence that would clear a terminal
  refused_patient(p, "mrn", "a control character (U+001B)");
  p.mrn = std::string(kMaxMrnChars + 1, '7');
  refused_patient(p, "mrn", "is 33 characters long: at most 32 are kept");
  p.mrn = "M-1";
  p.name = std::string(kMaxNameChars, 'a');  // the longest allowed
  p.birth_date_ms = kEarliestDateMs;         // the earliest allowed
  ASSERT_OK(db_->add_patient(p));
  const host::Checked<PatientRecord> owner = db_->find_patient_by_mrn("M-1");
  ASSERT_OK(owner);

  const auto refused_pump = [&](const PumpRecord& bad, const std::string& field,
                                const std::string& words) {
    const host::Checked<std::int64_t> r = db_->add_pump(bad, kCatheter);
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_EQ(r.error().field, field);
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  PumpRecord pump = pump_for(owner->id, "SN-1");
  pump.implant_date_ms = tomorrow;
  refused_pump(pump, "implant_date_ms", "is in the future");
  pump = pump_for(owner->id, "SN-1\u2066");
  refused_pump(pump, "serial", "a bidirectional control (it reorders how the text displays)");
  pump = pump_for(owner->id, std::string(kMaxSerialChars + 1, 'S'));
  refused_pump(pump, "serial", "at most 32 are kept");
  pump = pump_for(owner->id, "SN-1");
  pump.catheter_length_mm = 1101;
  refused_pump(pump, "catheter_length_mm",
               "110.1 cm is outside the catheter lengths of model peristaltic-20: from 10.0 cm "
               "to 110.0 cm");
  pump.catheter_length_mm = 99;
  refused_pump(pump, "catheter_length_mm", "9.9 cm is outside");
  pump = pump_for(owner->id, "SN-1");
  pump.catheter_volume = Volume(286'001);
  refused_pump(pump, "catheter_volume",
               "0.286 mL is outside the catheter volumes of model "
               "peristaltic-20: from 0.026 mL to 0.286 mL");
  pump.catheter_volume = Volume(25'999);
  refused_pump(pump, "catheter_volume", "outside the catheter volumes");
  const auto pumps = db_->list_pumps();
  ASSERT_OK(pumps);
  EXPECT_TRUE(pumps->empty());
  // Both ends of the range are allowed.
  pump = pump_for(owner->id, "SN-1");
  pump.catheter_length_mm = 1100;
  pump.catheter_volume = Volume(286'000);
  ASSERT_OK(db_->add_pump(pump, kCatheter));
}

TEST_P(ClinicDbTest, AnImplantBeforeBirthIsRefusedNamingBothDates) {
  const std::int64_t patient = add_patient("P-1");
  PumpRecord p = pump_for(patient, "SN-1");
  p.implant_date_ms = kToday - 41 * 365 * kDay;
  const host::Checked<std::int64_t> r = db_->add_pump(p, kCatheter);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "implant_date_ms");
  EXPECT_NE(r.error().message.find("is before the patient's birth date 1985-03-11"),
            std::string::npos)
      << r.error().message;
}

// ---- sessions and the session report ----

TEST_P(ClinicDbTest, SessionReportListsWhatChangedByWhomAndWhen) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::int64_t session = begin_session(pump, kToday);

  ChangeRecord bolus;
  bolus.session_id = session;
  bolus.at_ms = kToday + 20 * kMillisPerMinute;
  bolus.kind = ChangeKind::kBolus;
  bolus.what = "clinician bolus 50 mcg over 1 min";
  bolus.detail_json = R"({"dose_ng":50000})";
  ASSERT_OK(db_->add_change(bolus));
  ASSERT_OK(db_->record_prescription(
      prescription_for(pump, session, kToday + 10 * kMillisPerMinute, 100'000)));
  ChangeRecord clock;
  clock.session_id = session;
  clock.at_ms = kToday + 30 * kMillisPerMinute;
  clock.kind = ChangeKind::kClock;
  clock.what = "clock set forward 2 min";
  ASSERT_OK(db_->add_change(clock));
  ASSERT_OK(db_->end_session(session, kToday + kMillisPerHour, "titration"));

  const host::Checked<SessionReport> report = db_->session_report(session);
  ASSERT_OK(report);
  EXPECT_EQ(report->session.operator_name, "Dr Ada");
  EXPECT_EQ(report->session.device, "programmer-1");
  EXPECT_EQ(report->session.started_at_ms, kToday);
  EXPECT_EQ(report->session.ended_at_ms, kToday + kMillisPerHour);
  EXPECT_EQ(report->session.summary, "titration");
  EXPECT_EQ(report->pump.serial, "SN-1");
  EXPECT_EQ(report->patient.mrn, "P-1");
  ASSERT_EQ(report->changes.size(), 3u);
  EXPECT_EQ(report->changes[0].kind, ChangeKind::kProgram);  // in time order
  EXPECT_NE(report->changes[0].what.find("baclofen 2 mg/mL"), std::string::npos)
      << report->changes[0].what;
  EXPECT_NE(report->changes[0].what.find("at most 100 mcg/day"), std::string::npos)
      << report->changes[0].what;
  EXPECT_EQ(report->changes[1].kind, ChangeKind::kBolus);
  EXPECT_EQ(report->changes[1].what, bolus.what);
  EXPECT_EQ(report->changes[1].detail_json, bolus.detail_json);
  EXPECT_EQ(report->changes[2].kind, ChangeKind::kClock);
  EXPECT_EQ(report->changes[2].detail_json, "{}");

  const auto of = db_->sessions_of(pump);
  ASSERT_OK(of);
  ASSERT_EQ(of->size(), 1u);
  EXPECT_EQ((*of)[0].id, session);
}

TEST_P(ClinicDbTest, SessionMisuseIsRefusedAndNothingWritten) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  SessionRecord s;
  s.pump_id = pump + 50;
  s.operator_name = "Dr Ada";
  s.device = "programmer-1";
  expect_refused(db_->begin_session(s), host::RefusalKind::kNotFound, "pump_id");
  s.pump_id = pump;
  s.operator_name = "";
  expect_refused(db_->begin_session(s), host::RefusalKind::kInvalidArgument, "operator_name");

  const std::int64_t session = begin_session(pump, kToday);
  ChangeRecord c;
  c.session_id = session;
  c.at_ms = kToday + 1;
  c.kind = ChangeKind::kAlarm;
  c.what = "alarm acknowledged";
  c.detail_json = "{not json";
  expect_refused(db_->add_change(c), host::RefusalKind::kInvalidArgument, "detail_json");
  c.detail_json = "";
  c.at_ms = kToday - 1;
  expect_refused(db_->add_change(c), host::RefusalKind::kInvalidArgument, "at_ms");
  c.at_ms = kToday + 1;
  c.what = " ";
  expect_refused(db_->add_change(c), host::RefusalKind::kInvalidArgument, "what");
  c.what = "alarm acknowledged";
  c.session_id = session + 10;
  expect_refused(db_->add_change(c), host::RefusalKind::kNotFound, "session_id");

  expect_refused(db_->end_session(session, kToday - 1, ""), host::RefusalKind::kInvalidArgument,
                 "ended_at_ms");
  ASSERT_OK(db_->end_session(session, kToday + 5, "done"));
  expect_refused(db_->end_session(session, kToday + 6, "again"), host::RefusalKind::kConflict,
                 "session_id");
  c.session_id = session;
  expect_refused(db_->add_change(c), host::RefusalKind::kConflict, "session_id");

  const host::Checked<SessionReport> report = db_->session_report(session);
  ASSERT_OK(report);
  EXPECT_TRUE(report->changes.empty());
  EXPECT_EQ(report->session.summary, "done");

  ASSERT_OK(db_->set_pump_active(pump, false));
  s.operator_name = "Dr Ada";
  expect_refused(db_->begin_session(s), host::RefusalKind::kConflict, "pump_id");
  expect_refused(db_->session_report(999), host::RefusalKind::kNotFound, "session_id");
}

// ---- prescriptions ----

TEST_P(ClinicDbTest, PrescriptionHistoryAndLastDoseIncrease) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const auto none = db_->latest_prescription(pump);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  const auto no_increase = db_->last_dose_increase_at(pump);
  ASSERT_OK(no_increase);
  EXPECT_FALSE(no_increase->has_value());

  const std::int64_t s1 = begin_session(pump, kToday);
  ASSERT_OK(db_->record_prescription(prescription_for(pump, s1, kToday, 100'000)));
  ASSERT_OK(db_->record_prescription(prescription_for(pump, s1, kToday + kDay, 150'000)));
  ASSERT_OK(db_->record_prescription(prescription_for(pump, s1, kToday + 2 * kDay, 120'000)));
  ASSERT_OK(db_->record_prescription(prescription_for(pump, s1, kToday + 3 * kDay, 120'000)));

  const auto latest = db_->latest_prescription(pump);
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->at_ms, kToday + 3 * kDay);
  EXPECT_EQ((*latest)->token, 0xfedcba9876543210ULL);  // all 64 bits survive
  EXPECT_EQ((*latest)->concentration, Concentration(2'000'000));
  EXPECT_EQ((*latest)->max_daily_dose, DoseRate(120'000));
  EXPECT_EQ((*latest)->mode, "continuous");
  EXPECT_EQ((*latest)->prescription_json, R"({"mode":"continuous"})");

  const auto history = db_->prescription_history(pump);
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].max_daily_dose, DoseRate(100'000));
  EXPECT_EQ((*history)[1].max_daily_dose, DoseRate(150'000));

  // Up at day 1, down at day 2, unchanged at day 3: the last increase is day 1.
  auto increase = db_->last_dose_increase_at(pump);
  ASSERT_OK(increase);
  EXPECT_EQ(*increase, std::optional<std::int64_t>(kToday + kDay));

  // A new drug is a start: an increase from nothing.
  ASSERT_OK(
      db_->record_prescription(prescription_for(pump, s1, kToday + 4 * kDay, 50'000, "morphine")));
  increase = db_->last_dose_increase_at(pump);
  ASSERT_OK(increase);
  EXPECT_EQ(*increase, std::optional<std::int64_t>(kToday + 4 * kDay));
}

TEST_P(ClinicDbTest, InvalidPrescriptionIsRefusedAndNothingWritten) {
  const std::int64_t patient = add_patient("P-1");
  const std::int64_t pump = add_pump(patient, "SN-1");
  const std::int64_t other = add_pump(patient, "SN-2");
  const std::int64_t session = begin_session(pump);

  PrescriptionRecord p = prescription_for(other, session, kToday, 100'000);
  expect_refused(db_->record_prescription(p), host::RefusalKind::kInvalidArgument, "pump_id");
  p = prescription_for(pump, session, kToday, 100'000);
  p.prescription_json = "[1,";
  expect_refused(db_->record_prescription(p), host::RefusalKind::kInvalidArgument,
                 "prescription_json");
  p = prescription_for(pump, session, kToday, -1);
  expect_refused(db_->record_prescription(p), host::RefusalKind::kInvalidArgument,
                 "max_daily_dose");
  p = prescription_for(pump, session, kToday, 100'000);
  p.concentration = Concentration(0);
  expect_refused(db_->record_prescription(p), host::RefusalKind::kInvalidArgument, "concentration");
  p = prescription_for(pump, session, kToday, 100'000, "");
  expect_refused(db_->record_prescription(p), host::RefusalKind::kInvalidArgument, "drug");
  p = prescription_for(pump, session + 5, kToday, 100'000);
  expect_refused(db_->record_prescription(p), host::RefusalKind::kNotFound, "session_id");

  const auto history = db_->prescription_history(pump);
  ASSERT_OK(history);
  EXPECT_TRUE(history->empty());
  const auto report = db_->session_report(session);
  ASSERT_OK(report);
  EXPECT_TRUE(report->changes.empty());  // no change row without its prescription
}

// ---- refills ----

TEST_P(ClinicDbTest, RefillIsRecordedWithTheRefillCheckFindingAndAChange) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::int64_t session = begin_session(pump);
  RefillRecord in = refill_for(pump, session, kToday + 5, kToday + 60 * kDay);
  in.bridge_bolus = true;
  const host::Checked<RefillRecord> stored = db_->record_refill(in);
  ASSERT_OK(stored);
  EXPECT_GT(stored->id, 0);
  EXPECT_EQ(stored->difference, Volume(-100'000));
  EXPECT_EQ(stored->finding, RefillFinding::kAsExpected);

  const auto all = db_->refills(pump);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 1u);
  const RefillRecord& r = (*all)[0];
  EXPECT_EQ(r.id, stored->id);
  EXPECT_EQ(r.expected, millilitres(2));
  EXPECT_EQ(r.withdrawn, microlitres(1900));
  EXPECT_EQ(r.difference, Volume(-100'000));
  EXPECT_EQ(r.drug, "baclofen");
  EXPECT_EQ(r.concentration, Concentration(2'000'000));
  EXPECT_EQ(r.volume, millilitres(18));
  EXPECT_EQ(r.low_reservoir_alarm, millilitres(2));
  EXPECT_TRUE(r.bridge_bolus);
  EXPECT_FALSE(r.acknowledged);
  EXPECT_EQ(r.next_refill_ms, kToday + 60 * kDay);
  EXPECT_EQ(r.next_refill_rule, "low-reservoir date minus 4 days");
  EXPECT_EQ(r.low_reservoir_ms, std::optional<std::int64_t>(kToday + 64 * kDay));

  const auto report = db_->session_report(session);
  ASSERT_OK(report);
  ASSERT_EQ(report->changes.size(), 1u);
  EXPECT_EQ(report->changes[0].kind, ChangeKind::kRefill);
  EXPECT_NE(report->changes[0].what.find("withdrew 1.900 mL"), std::string::npos)
      << report->changes[0].what;
  EXPECT_NE(report->changes[0].what.find("next refill 2025-04-30"), std::string::npos)
      << report->changes[0].what;
}

// ---- the clinic's time zone ----

TEST_P(ClinicDbTest, TheClinicKeepsItsTimeZoneAndRefusesAnUnknownOne) {
  const host::Checked<host::TimeZone> fresh = db_->time_zone();
  ASSERT_OK(fresh);
  EXPECT_EQ(fresh->name(), "UTC");  // what the dates of a database made before it meant
  ASSERT_OK(db_->set_time_zone("Europe/Paris"));
  EXPECT_EQ(db_->time_zone()->name(), "Europe/Paris");
  const host::Checked<void> unknown = db_->set_time_zone("Paris");
  expect_refused(unknown, host::RefusalKind::kInvalidArgument, "time_zone");
  EXPECT_NE(unknown.error().message.find("Europe/Paris"), std::string::npos);
  EXPECT_EQ(db_->time_zone()->name(), "Europe/Paris");  // unchanged
  // Another connection (another programmer) sees it.
  auto other = location_->open();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->time_zone()->name(), "Europe/Paris");
}

TEST_P(ClinicDbTest, TheClinicsNameAndEmergencyPhoneAreKeptAndCheckedTogether) {
  const host::Checked<ClinicContact> fresh = db_->clinic_contact();
  ASSERT_OK(fresh);
  EXPECT_EQ(fresh->name, "");  // until the clinic sets them
  EXPECT_EQ(fresh->emergency_phone, "");
  ASSERT_OK(db_->set_clinic_contact({"Clinique Saint-Éloi 疼痛科", "+33 1 23 45 67 89"}));
  expect_refused(db_->set_clinic_contact({"Clinic", "call the desk"}),
                 host::RefusalKind::kInvalidArgument, "emergency_phone");
  expect_refused(db_->set_clinic_contact({"Clinic\nB", "112"}), host::RefusalKind::kInvalidArgument,
                 "clinic_name");
  auto other = location_->open();  // another programmer sees what was kept, unchanged
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->clinic_contact()->name, "Clinique Saint-Éloi 疼痛科");
  EXPECT_EQ(other->clinic_contact()->emergency_phone, "+33 1 23 45 67 89");
}

TEST_P(ClinicDbTest, ACathetersTipLevelIsRecordedReplacedAndChecked) {
  const std::int64_t pump = add_pump(add_patient("T-1"), "SN-T1");
  ASSERT_OK(db_->catheter_tip(pump));
  EXPECT_FALSE(db_->catheter_tip(pump)->has_value());
  ASSERT_OK(db_->set_catheter_tip(pump, {"T10", kToday}));
  ASSERT_OK(db_->set_catheter_tip(pump, {"T8", kToday + kDay}));  // re-imaged: replaces it
  const auto tip = db_->catheter_tip(pump);
  ASSERT_OK(tip);
  ASSERT_TRUE(tip->has_value());
  EXPECT_EQ((*tip)->vertebral_level, "T8");
  EXPECT_EQ((*tip)->recorded_at_ms, kToday + kDay);
  for (const char* bad : {"t10", "T13", "L6", "C0", "T01", "S1", "T", "T10 "}) {
    expect_refused(db_->set_catheter_tip(pump, {bad, kToday}), host::RefusalKind::kInvalidArgument,
                   "vertebral_level");
  }
  EXPECT_EQ((*db_->catheter_tip(pump))->vertebral_level, "T8");  // unchanged
  expect_refused(db_->set_catheter_tip(9999, {"T10", kToday}), host::RefusalKind::kNotFound,
                 "pump_id");
}

TEST_P(ClinicDbTest, ADamagedTimeZoneIsRefusedNotReadAsUtc) {
  ASSERT_OK(db_->set_time_zone("America/New_York"));
  ASSERT_OK(location_->raw()->script("UPDATE clinic_settings SET time_zone = 'Mars/Olympus'"));
  const host::Checked<host::TimeZone> zone = db_->time_zone();
  ASSERT_FALSE(zone.ok());
  EXPECT_NE(zone.error().message.find("'Mars/Olympus' where a time zone belongs"),
            std::string::npos)
      << zone.error().message;
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::int64_t session = begin_session(pump);
  EXPECT_FALSE(db_->record_refill(refill_for(pump, session, kToday, kToday + 60 * kDay)).ok());
  EXPECT_TRUE(db_->refills(pump)->empty());  // nothing written
}

// Issue 11: the due list's column, its reason and the session report's refill line say one
// date, the clinic's local one: 2025-04-29 22:30 UTC is 2025-04-30 00:30 in Paris.
TEST_P(ClinicDbTest, DueListAndSessionReportSayOneNextRefillDateInTheClinicsTime) {
  ASSERT_OK(db_->set_time_zone("Europe/Paris"));
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::int64_t session = begin_session(pump);
  const std::int64_t next = kToday + 59 * kDay + 22 * kMillisPerHour + 30 * kMillisPerMinute;
  ASSERT_OK(db_->record_refill(refill_for(pump, session, kToday + 5, next)));
  const auto due = db_->due(kToday, 90 * kDay, {});
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].next_refill_date, "2025-04-30");
  EXPECT_EQ((*due)[0].days_left, 60);  // 2025-03-01 to 2025-04-30 in Paris, though 59.9 days
  EXPECT_EQ((*due)[0].reason.find("2025-04-29"), std::string::npos) << (*due)[0].reason;
  const auto report = db_->session_report(session);
  ASSERT_OK(report);
  ASSERT_EQ(report->changes.size(), 1u);
  EXPECT_NE(report->changes[0].what.find("next refill 2025-04-30 ("), std::string::npos)
      << report->changes[0].what;
  EXPECT_EQ(report->changes[0].what.find("2025-04-29"), std::string::npos)
      << report->changes[0].what;
  // In New York the same instant is still 2025-04-29.
  ASSERT_OK(db_->set_time_zone("America/New_York"));
  EXPECT_EQ((*db_->due(kToday, 90 * kDay, {}))[0].next_refill_date, "2025-04-29");
}

TEST_P(ClinicDbTest, RefillDiscrepancyNeedsAnAcknowledgementWithAReason) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::int64_t session = begin_session(pump);
  RefillRecord in = refill_for(pump, session, kToday, kToday + 60 * kDay);
  in.withdrawn = microlitres(500);  // 1.5 mL less than expected: beyond 1 mL for 20 mL
  expect_refused(db_->record_refill(in), host::RefusalKind::kInvalidArgument, "acknowledged");
  in.acknowledged = true;
  expect_refused(db_->record_refill(in), host::RefusalKind::kInvalidArgument,
                 "acknowledgement_reason");
  ASSERT_TRUE(db_->refills(pump)->empty());

  in.acknowledgement_reason = "aspirated before refill; catheter checked";
  const host::Checked<RefillRecord> stored = db_->record_refill(in);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->finding, RefillFinding::kLessThanExpected);
  const auto all = db_->refills(pump);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].finding, RefillFinding::kLessThanExpected);
  EXPECT_TRUE((*all)[0].acknowledged);
  EXPECT_EQ((*all)[0].acknowledgement_reason, in.acknowledgement_reason);
}

TEST_P(ClinicDbTest, InvalidRefillIsRefusedAndNothingWritten) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::int64_t session = begin_session(pump);
  const RefillRecord good = refill_for(pump, session, kToday, kToday + 60 * kDay);

  RefillRecord r = good;
  r.volume = Volume(-5);
  expect_refused(db_->record_refill(r), host::RefusalKind::kInvalidArgument, "volume");
  r = good;
  r.volume = millilitres(21);  // above the 20 mL reservoir
  expect_refused(db_->record_refill(r), host::RefusalKind::kInvalidArgument, "volume");
  r = good;
  r.withdrawn = millilitres(180);  // a typo for 18.0
  expect_refused(db_->record_refill(r), host::RefusalKind::kInvalidArgument, "withdrawn");
  r = good;
  r.expected = Volume(-1);
  expect_refused(db_->record_refill(r), host::RefusalKind::kInvalidArgument, "expected");
  r = good;
  r.next_refill_ms = kToday;
  expect_refused(db_->record_refill(r), host::RefusalKind::kInvalidArgument, "next_refill_ms");
  r = good;
  r.low_reservoir_alarm = millilitres(18);
  expect_refused(db_->record_refill(r), host::RefusalKind::kInvalidArgument, "low_reservoir_alarm");
  r = good;
  r.next_refill_rule = "";
  expect_refused(db_->record_refill(r), host::RefusalKind::kInvalidArgument, "next_refill_rule");
  r = good;
  r.pump_id = pump + 1;
  expect_refused(db_->record_refill(r), host::RefusalKind::kInvalidArgument, "pump_id");
  expect_refused(db_->refills(pump + 1), host::RefusalKind::kNotFound, "pump_id");

  const auto all = db_->refills(pump);
  ASSERT_OK(all);
  EXPECT_TRUE(all->empty());
  EXPECT_TRUE(db_->session_report(session)->changes.empty());
}

// ---- overrides ----

TEST_P(ClinicDbTest, LimitOverrideIsRecordedWithItsChange) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::int64_t session = begin_session(pump);
  OverrideRecord o;
  o.session_id = session;
  o.at_ms = kToday + 1000;
  o.drug = "morphine";
  o.field = "max_dose_per_day";
  o.limit_text = "caution above 20 mg/day (Infumorph label)";
  o.reason = "tolerant; previous dose 19 mg/day well tolerated";
  o.clinician = "Dr Ada";
  ASSERT_OK(db_->record_override(o));
  const auto all = db_->overrides_in(session);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].limit_text, o.limit_text);
  EXPECT_EQ((*all)[0].reason, o.reason);
  EXPECT_EQ((*all)[0].clinician, "Dr Ada");
  const auto report = db_->session_report(session);
  ASSERT_EQ(report->changes.size(), 1u);
  EXPECT_EQ(report->changes[0].kind, ChangeKind::kOverride);

  o.reason = "";
  expect_refused(db_->record_override(o), host::RefusalKind::kInvalidArgument, "reason");
  EXPECT_EQ(db_->overrides_in(session)->size(), 1u);
}

// ---- event log and hourly delivery ----

TEST_P(ClinicDbTest, EventLogUploadIsIdempotent) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::vector<EventLogRecord> page = {
      {1, 1000, 3, 0, -5, 7},
      {2, 2000, 4, 1, 0, 0},
      {3, 3000, 0xffffffffu, 0xffffffffu, INT64_MIN, INT64_MAX},
  };
  EXPECT_EQ(*db_->store_event_log(pump, page), 3);
  EXPECT_EQ(*db_->store_event_log(pump, page), 0);
  const std::vector<EventLogRecord> overlapping = {
      {3, 3000, 9, 9, 9, 9}, {4, 4000, 5, 0, 1, 2}, {4, 4000, 5, 0, 1, 2}, {5, 5000, 6, 0, 1, 2}};
  EXPECT_EQ(*db_->store_event_log(pump, overlapping), 2);

  const auto log = db_->event_log(pump);
  ASSERT_OK(log);
  ASSERT_EQ(log->size(), 5u);
  EXPECT_EQ((*log)[0].a, -5);
  EXPECT_EQ((*log)[2].code, 0xffffffffu);  // the first upload of seq 3 wins
  EXPECT_EQ((*log)[2].a, INT64_MIN);
  EXPECT_EQ((*log)[2].b, INT64_MAX);
  EXPECT_EQ((*log)[4].seq, 5u);

  expect_refused(db_->store_event_log(pump + 9, page), host::RefusalKind::kNotFound, "pump_id");
}

TEST_P(ClinicDbTest, DeliveryHoursUploadIsIdempotentAndChecked) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::vector<DeliveryHourRecord> hours = {{0, microlitres(83), 83},
                                                 {1, microlitres(84), 84}};
  EXPECT_EQ(*db_->store_delivery_hours(pump, hours), 2);
  EXPECT_EQ(*db_->store_delivery_hours(pump, hours), 0);
  const std::vector<DeliveryHourRecord> bad = {{2, microlitres(83), 83}, {3, Volume(-1), 0}};
  expect_refused(db_->store_delivery_hours(pump, bad), host::RefusalKind::kInvalidArgument,
                 "hours[1].volume");
  const auto stored = db_->delivery_hours(pump);
  ASSERT_OK(stored);
  ASSERT_EQ(stored->size(), 2u);  // hour 2 of the refused page was not kept either
  EXPECT_EQ((*stored)[1].volume, microlitres(84));
  EXPECT_EQ((*stored)[1].strokes, 84);
}

// ---- trials ----

TEST_P(ClinicDbTest, TrialsAreRecordedPerPatient) {
  const std::int64_t patient = add_patient("P-1");
  TrialRecord t;
  t.patient_id = patient;
  t.at_ms = kToday;
  t.drug = "baclofen";
  t.dose = micrograms(50);
  t.route = "lumbar puncture";
  t.score_kind = ScoreKind::kAshworth;
  t.score_before = 4;
  t.score_after = 2;
  t.effect = hours(6);
  t.effective = true;
  t.notes = "walked unaided at 4 h";
  ASSERT_OK(db_->add_trial(t));
  t.at_ms = kToday - kDay;
  t.effective = false;
  t.score_after = 4;
  ASSERT_OK(db_->add_trial(t));

  const auto all = db_->trials(patient);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_FALSE((*all)[0].effective);  // oldest first
  EXPECT_TRUE((*all)[1].effective);
  EXPECT_EQ((*all)[1].dose, micrograms(50));
  EXPECT_EQ((*all)[1].score_kind, ScoreKind::kAshworth);
  EXPECT_EQ((*all)[1].effect, hours(6));
  EXPECT_EQ((*all)[1].notes, "walked unaided at 4 h");

  t.score_before = 5;  // the Ashworth scale ends at 4
  expect_refused(db_->add_trial(t), host::RefusalKind::kInvalidArgument, "score_before");
  t.score_before = 3;
  t.patient_id = patient + 7;
  expect_refused(db_->add_trial(t), host::RefusalKind::kNotFound, "patient_id");
  EXPECT_EQ(db_->trials(patient)->size(), 2u);
}

// ---- the refill calendar ----

TEST_P(ClinicDbTest, DueListsOverdueUnknownAndDuePumpsMostAtRiskFirst) {
  const auto pump_with_refill = [&](const std::string& serial, const std::string& drug,
                                    std::int64_t next_refill_ms) {
    const std::int64_t pump = add_pump(add_patient("MRN-" + serial), serial);
    const std::int64_t session = begin_session(pump, kToday - 100 * kDay);
    EXPECT_TRUE(
        db_->record_refill(refill_for(pump, session, kToday - 100 * kDay + 1, next_refill_ms, drug))
            .ok());
    return pump;
  };
  pump_with_refill("BAC-10", "baclofen", kToday + 10 * kDay);
  pump_with_refill("MOR-3", "morphine", kToday + 3 * kDay);
  pump_with_refill("MOR-LATE", "morphine", kToday - 2 * kDay);
  pump_with_refill("ZIC-60", "ziconotide", kToday + 60 * kDay);  // outside the window
  const std::int64_t explanted = pump_with_refill("OLD", "baclofen", kToday - 30 * kDay);
  ASSERT_OK(db_->set_pump_active(explanted, false));
  // Superseded: an older refill said overdue, the latest one says 20 days (outside).
  const std::int64_t refilled = pump_with_refill("BAC-NEW", "baclofen", kToday - 5 * kDay);
  const std::int64_t s = begin_session(refilled, kToday - kDay);
  ASSERT_OK(db_->record_refill(refill_for(refilled, s, kToday - kDay + 1, kToday + 20 * kDay)));
  add_pump(add_patient("MRN-NEW"), "NEVER");  // no refill recorded

  const RiskRank rank = [](std::string_view drug) { return drug == "baclofen" ? 2 : 1; };
  const auto due = db_->due(kToday, 14 * kDay, rank);
  ASSERT_OK(due);
  std::vector<std::string> serials;
  for (const DueRow& r : *due) serials.push_back(r.pump.serial);
  EXPECT_EQ(serials, (std::vector<std::string>{"MOR-LATE", "NEVER", "BAC-10", "MOR-3"}));

  const DueRow& late = (*due)[0];
  EXPECT_EQ(late.status, DueStatus::kOverdue);
  EXPECT_EQ(late.days_left, -2);
  EXPECT_EQ(late.patient.mrn, "MRN-MOR-LATE");
  EXPECT_EQ(late.drug, "morphine");
  EXPECT_EQ(late.reason, "low-reservoir date minus 4 days");
  EXPECT_EQ(late.low_reservoir_ms, std::optional<std::int64_t>(kToday + 2 * kDay));
  const DueRow& unknown = (*due)[1];
  EXPECT_EQ(unknown.status, DueStatus::kUnknown);
  EXPECT_FALSE(unknown.next_refill_ms.has_value());
  EXPECT_NE(unknown.reason.find("interrogate"), std::string::npos);
  EXPECT_EQ((*due)[2].days_left, 10);
  EXPECT_EQ((*due)[2].status, DueStatus::kDue);
  EXPECT_EQ((*due)[3].days_left, 3);

  // With every drug ranked alike the date decides among the due ones.
  const auto plain = db_->due(kToday, 14 * kDay);
  ASSERT_OK(plain);
  ASSERT_EQ(plain->size(), 4u);
  EXPECT_EQ((*plain)[2].pump.serial, "MOR-3");
  EXPECT_EQ((*plain)[3].pump.serial, "BAC-10");

  expect_refused(db_->due(kToday, -1), host::RefusalKind::kInvalidArgument, "within");
}

TEST_P(ClinicDbTest, DueNamesTheLastPrescribedDrugOfAPumpNeverRefilled) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  const std::int64_t session = begin_session(pump);
  ASSERT_OK(db_->record_prescription(prescription_for(pump, session, kToday, 1, "ziconotide")));
  const auto due = db_->due(kToday, 0);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].status, DueStatus::kUnknown);
  EXPECT_EQ((*due)[0].drug, "ziconotide");
}

// ---- migrations ----

TEST_P(ClinicDbTest, EveryStepwiseMigrationGivesTheSameSchemaAsAllAtOnce) {
  const auto all_at_once = db_->describe_schema();
  ASSERT_OK(all_at_once);
  ASSERT_FALSE(all_at_once->empty());
  EXPECT_EQ(*db_->schema_version(), latest_schema_version());

  for (int first = 0; first < latest_schema_version(); ++first) {
    SCOPED_TRACE("first migrated to " + std::to_string(first));
    const auto location = another_location();
    auto db = location->open();
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(*db->schema_version(), 0);
    const host::Checked<int> partial = db->migrate(first);
    ASSERT_OK(partial);
    EXPECT_EQ(*partial, first);
    // The rest one at a time.
    for (int next = first + 1; next <= latest_schema_version(); ++next) {
      const host::Checked<int> v = db->migrate(next);
      ASSERT_OK(v);
      EXPECT_EQ(*v, next);
    }
    const auto stepwise = db->describe_schema();
    ASSERT_OK(stepwise);
    EXPECT_EQ(*stepwise, *all_at_once);
  }
  // Migrating an up-to-date database changes nothing.
  ASSERT_OK(db_->migrate());
  EXPECT_EQ(*db_->describe_schema(), *all_at_once);
  expect_refused(db_->migrate(latest_schema_version() + 1), host::RefusalKind::kInvalidArgument,
                 "target");
}

TEST_P(ClinicDbTest, MigrationKeepsTheDataOfAnOlderDatabase) {
  const auto location = another_location();
  auto db = location->open();
  ASSERT_OK(db->migrate(1));
  // An older itdd (schema 1) recorded a patient and a pump.
  auto raw = location->raw();
  ASSERT_OK(
      raw->script("INSERT INTO patients (mrn, name, birth_date_ms, indication) "
                  "VALUES ('OLD-1', 'From schema 1', 0, 'pain')"));
  // This itdd refuses to work on it until it is migrated.
  expect_refused(db->list_patients(), host::RefusalKind::kNotInitialised, "url");
  const host::Checked<int> v = db->migrate();
  ASSERT_OK(v);
  EXPECT_EQ(*v, latest_schema_version());
  const auto found = db->find_patient_by_mrn("OLD-1");
  ASSERT_OK(found);
  EXPECT_EQ(found->name, "From schema 1");
  EXPECT_EQ(found->indication, Indication::kPain);
  const auto rows = raw->query("SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), static_cast<std::size_t>(latest_schema_version()));
  EXPECT_EQ((*rows)[0].integer(0), 1);
}

// A value read back that itdd did not write (the database edited by hand or by another program,
// or damaged) is refused whole, saying what it is; it is never read as a default (an unknown
// indication used to read as "pain", a volume that is not a whole number as 0 nL).
TEST_P(ClinicDbTest, DamagedValuesAreRefusedNotReadAsDefaults) {
  const std::int64_t patient = add_patient("D-1");
  add_pump(patient, "SN-D1");
  auto raw = location_->raw();
  ASSERT_NE(raw, nullptr);
  ASSERT_OK(raw->script("UPDATE patients SET indication = 'cancer' WHERE mrn = 'D-1'"));
  const auto patients = db_->list_patients();
  ASSERT_FALSE(patients.ok());
  EXPECT_EQ(patients.error().kind, host::RefusalKind::kUnavailable);
  EXPECT_NE(patients.error().message.find("'cancer' where an indication belongs"),
            std::string::npos)
      << patients.error().message;
  expect_refused(db_->find_patient_by_mrn("D-1"), host::RefusalKind::kUnavailable, "");
  ASSERT_OK(raw->script("UPDATE patients SET indication = 'pain' WHERE mrn = 'D-1'"));
  ASSERT_OK(db_->list_patients());
  if (GetParam() == Backend::kSqlite) {  // PostgreSQL's BIGINT columns refuse such text
    ASSERT_OK(
        raw->script("UPDATE pumps SET catheter_volume_nl = '0.17 mL' WHERE serial = 'SN-D1'"));
    const auto pumps = db_->list_pumps();
    ASSERT_FALSE(pumps.ok());
    EXPECT_NE(pumps.error().message.find("'0.17 mL' where a whole number belongs"),
              std::string::npos)
        << pumps.error().message;
    ASSERT_OK(raw->script("UPDATE pumps SET catheter_volume_nl = 0.5 WHERE serial = 'SN-D1'"));
    const auto fraction = db_->list_pumps();
    ASSERT_FALSE(fraction.ok());
    EXPECT_NE(fraction.error().message.find("where a whole number belongs"), std::string::npos)
        << fraction.error().message;
    ASSERT_OK(
        raw->script("UPDATE schema_migrations SET version = 'x' "
                    "WHERE version = (SELECT MAX(version) FROM schema_migrations)"));
    expect_refused(db_->schema_version(), host::RefusalKind::kUnavailable, "url");
  }
}

TEST_P(ClinicDbTest, EmptyDatabaseAsksForInit) {
  const auto location = another_location();
  auto db = location->open();
  const auto refused = db->add_patient(PatientRecord{0, "X", "Y", 0, Indication::kPain});
  ASSERT_FALSE(refused.ok());
  const host::Refusal e = refused.error();
  expect_error(e, host::RefusalKind::kNotInitialised, "url");
  EXPECT_NE(e.message.find("itdd clinic init"), std::string::npos) << e.message;
  EXPECT_EQ(outcome_of(e), Outcome::kInvalidInput);
}

TEST_P(ClinicDbTest, DatabaseNewerThanTheCodeIsRefusedAndUntouched) {
  const std::int64_t patient = add_patient("P-1");
  auto raw = location_->raw();
  ASSERT_OK(
      raw->script("INSERT INTO schema_migrations (version, description, applied_at_ms) "
                  "VALUES (99, 'from the future', 0)"));
  const auto before = db_->describe_schema();
  ASSERT_OK(before);

  const auto opened = open_clinic_db(location_->url());
  ASSERT_FALSE(opened.ok());
  expect_refused(opened, host::RefusalKind::kSchemaTooNew, "url");
  EXPECT_NE(opened.error().message.find("99"), std::string::npos) << opened.error().message;
  // A connection opened before the upgrade stops writing too.
  PatientRecord p{0, "P-2", "Late", 0, Indication::kPain};
  expect_refused(db_->add_patient(p), host::RefusalKind::kSchemaTooNew, "url");
  expect_refused(db_->add_pump(pump_for(patient, "SN-9"), kCatheter),
                 host::RefusalKind::kSchemaTooNew, "url");
  expect_refused(db_->list_patients(), host::RefusalKind::kSchemaTooNew, "url");
  expect_refused(db_->migrate(), host::RefusalKind::kSchemaTooNew, "url");

  EXPECT_EQ(*db_->describe_schema(), *before);
  const auto versions = raw->query("SELECT MAX(version), COUNT(*) FROM schema_migrations");
  ASSERT_OK(versions);
  EXPECT_EQ((*versions)[0].integer(0), 99);
  EXPECT_EQ((*versions)[0].integer(1), latest_schema_version() + 1);
  const auto patients = raw->query("SELECT COUNT(*) FROM patients");
  EXPECT_EQ((*patients)[0].integer(0), 1);
}

// ---- several programmers at once ----

TEST_P(ClinicDbTest, TwoProgrammersRecordRefillsForDifferentPumpsAtOnce) {
  const std::int64_t pump_a = add_pump(add_patient("P-A"), "SN-A");
  const std::int64_t pump_b = add_pump(add_patient("P-B"), "SN-B");
  constexpr int kRefills = 25;
  std::vector<std::string> failures[2];
  const auto programmer = [&](int who, std::int64_t pump) {
    auto db = location_->open();
    if (!db) return;
    SessionRecord s{0, pump, who == 0 ? "Dr A" : "Dr B", "programmer", kToday, {}, ""};
    const auto session = db->begin_session(s);
    if (!session.ok()) {
      failures[who].push_back(session.error().text());
      return;
    }
    for (int i = 0; i < kRefills; ++i) {
      const auto r =
          db->record_refill(refill_for(pump, *session, kToday + i, kToday + (30 + i) * kDay));
      if (!r.ok()) failures[who].push_back(r.error().text());
    }
  };
  std::thread a(programmer, 0, pump_a);
  std::thread b(programmer, 1, pump_b);
  a.join();
  b.join();
  EXPECT_TRUE(failures[0].empty()) << failures[0].front();
  EXPECT_TRUE(failures[1].empty()) << failures[1].front();
  EXPECT_EQ(db_->refills(pump_a)->size(), static_cast<std::size_t>(kRefills));
  EXPECT_EQ(db_->refills(pump_b)->size(), static_cast<std::size_t>(kRefills));
  EXPECT_EQ(db_->refills(pump_b)->back().next_refill_ms, kToday + (30 + kRefills - 1) * kDay);
}

TEST_P(ClinicDbTest, TwoProgrammersUploadingTheSameEventLogPageStoreItOnce) {
  const std::int64_t pump = add_pump(add_patient("P-1"), "SN-1");
  constexpr int kPages = 20;
  constexpr std::uint32_t kPerPage = 10;
  std::int64_t added[2] = {0, 0};
  std::vector<std::string> failures[2];
  const auto programmer = [&](int who) {
    auto db = location_->open();
    if (!db) return;
    for (int page = 0; page < kPages; ++page) {
      std::vector<EventLogRecord> records;
      for (std::uint32_t i = 0; i < kPerPage; ++i) {
        const std::uint32_t seq = static_cast<std::uint32_t>(page) * kPerPage + i;
        records.push_back({seq, seq * 1000LL, 1, 0, 0, 0});
      }
      const auto n = db->store_event_log(pump, records);
      if (n.ok()) {
        added[who] += *n;
      } else {
        failures[who].push_back(n.error().text());
      }
    }
  };
  std::thread a(programmer, 0);
  std::thread b(programmer, 1);
  a.join();
  b.join();
  EXPECT_TRUE(failures[0].empty()) << failures[0].front();
  EXPECT_TRUE(failures[1].empty()) << failures[1].front();
  EXPECT_EQ(added[0] + added[1], kPages * kPerPage);
  EXPECT_EQ(db_->event_log(pump)->size(), static_cast<std::size_t>(kPages * kPerPage));
}

TEST_P(ClinicDbTest, TwoProgrammersMigratingAtOnceTakeTurns) {
  const auto location = another_location();
  host::Checked<int> reached[2] = {host::Checked<int>(0), host::Checked<int>(0)};
  const auto programmer = [&](int who) {
    auto db = location->open();
    if (db) reached[who] = db->migrate();
  };
  std::thread a(programmer, 0);
  std::thread b(programmer, 1);
  a.join();
  b.join();
  for (const auto& r : reached) {
    ASSERT_OK(r);
    EXPECT_EQ(*r, latest_schema_version());
  }
  const auto rows = location->raw()->query("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_OK(rows);
  EXPECT_EQ((*rows)[0].integer(0), latest_schema_version());
}

INSTANTIATE_TEST_SUITE_P(Backends, ClinicDbTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

// ---- across backends and outside the suite ----

TEST(ClinicDbSchema, BothBackendsHaveTheSameLogicalSchema) {
  if (postgres_url() == nullptr) {
    if (postgres_required())
      FAIL() << "ITDD_REQUIRE_POSTGRES=1 but ITDD_TEST_POSTGRES_URL is unset";
    GTEST_SKIP() << "no PostgreSQL";
  }
  Location sqlite(Backend::kSqlite);
  Location postgres(Backend::kPostgres);
  const auto a = sqlite.open_migrated()->describe_schema();
  const auto b = postgres.open_migrated()->describe_schema();
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(*a, *b);
  // A few lines that must be there, so that an empty description cannot pass.
  const auto has = [&](const std::string& line) {
    return std::find(a->begin(), a->end(), line) != a->end();
  };
  EXPECT_TRUE(has("unique event_logs(pump_id,seq)"));
  EXPECT_TRUE(has("unique pumps(serial)"));
  EXPECT_TRUE(has("column refills.volume_nl bigint not null"));
  EXPECT_TRUE(has("foreign key pumps(patient_id) references patients(id)"));
  EXPECT_TRUE(has("primary key schema_migrations(version)"));
}

TEST(ClinicDbOpen, MissingSqliteFileIsNotCreatedWithoutInit) {
  const fs::path path = fs::temp_directory_path() / ("itdd_missing_" + unique_suffix() + ".db");
  const auto db = open_clinic_db(path.string());
  ASSERT_FALSE(db.ok());
  expect_refused(db, host::RefusalKind::kNotInitialised, "url");
  EXPECT_FALSE(fs::exists(path));
  const auto created = open_clinic_db("sqlite:" + path.string(), OpenMode::kCreate);
  ASSERT_OK(created);
  EXPECT_EQ(std::string((*created)->backend_name()), "sqlite");
  EXPECT_TRUE(fs::exists(path));
  fs::remove(path);
}

TEST(ClinicDbOpen, BadUrlsAreRefusedNamingTheUrl) {
  expect_refused(open_clinic_db("mysql://clinic"), host::RefusalKind::kInvalidArgument, "url");
  expect_refused(open_clinic_db(""), host::RefusalKind::kInvalidArgument, "url");
  // Port 1 on this machine: nothing listens, the connection is refused at once.
  const auto unreachable = open_clinic_db("postgresql://itdd@127.0.0.1:1/clinic");
  ASSERT_FALSE(unreachable.ok());
  expect_refused(unreachable, host::RefusalKind::kUnavailable, "url");
  EXPECT_EQ(outcome_of(unreachable.error()), Outcome::kRefused);
  // A file that is not a database.
  const fs::path junk = fs::temp_directory_path() / ("itdd_junk_" + unique_suffix() + ".db");
  {
    std::ofstream out(junk);
    out << "this is not a database, but it is long enough to look like a header to SQLite\n";
  }
  const auto not_db = open_clinic_db(junk.string());
  fs::remove(junk);
  ASSERT_FALSE(not_db.ok());
  EXPECT_EQ(not_db.error().field, "url");
}

// ---- the dashboard's records (migration 6) ----

constexpr const char* kHash =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA";

UserRecord user_named(const std::string& name, Role role = Role::kClinician) {
  UserRecord u;
  u.user_name = name;
  u.display_name = "Dr " + name;
  u.role = role;
  u.password_hash = kHash;
  u.created_at_ms = kToday;
  return u;
}

TEST_P(ClinicDbTest, UsersAreAddedFoundAndListedWithTheirRoles) {
  const auto ward = db_->add_user(user_named("dr.ward"));
  ASSERT_OK(ward);
  ASSERT_OK(db_->add_user(user_named("amy_desk", Role::kStaff)));
  const auto found = db_->find_user("dr.ward");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, *ward);
  EXPECT_EQ((*found)->role, Role::kClinician);
  EXPECT_EQ((*found)->password_hash, kHash);
  EXPECT_TRUE((*found)->active);
  const auto missing = db_->find_user("nobody");
  ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());
  const auto all = db_->list_users();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].user_name, "amy_desk");
  EXPECT_EQ((*all)[0].role, Role::kStaff);
  const auto by_id = db_->user(*ward);
  ASSERT_OK(by_id);
  EXPECT_EQ(by_id->user_name, "dr.ward");
  expect_refused(db_->user(9999), host::RefusalKind::kNotFound, "user_id");
}

TEST_P(ClinicDbTest, BadAccountsAreRefusedNamingTheField) {
  ASSERT_OK(db_->add_user(user_named("dr.ward")));
  expect_refused(db_->add_user(user_named("dr.ward")), host::RefusalKind::kConflict, "user");
  expect_refused(db_->add_user(user_named("Dr Ward")), host::RefusalKind::kInvalidArgument, "user");
  expect_refused(db_->add_user(user_named("")), host::RefusalKind::kInvalidArgument, "user");
  expect_refused(db_->add_user(user_named(std::string(65, 'a'))),
                 host::RefusalKind::kInvalidArgument, "user");
  UserRecord plain = user_named("dr.plain");
  plain.password_hash = "hunter2";  // a password where its hash belongs
  expect_refused(db_->add_user(plain), host::RefusalKind::kInvalidArgument, "password_hash");
  UserRecord shown = user_named("dr.shown");
  shown.display_name = "Dr\nShown";
  expect_refused(db_->add_user(shown), host::RefusalKind::kInvalidArgument, "display_name");
  const auto all = db_->list_users();
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 1u);  // nothing refused was written
}

TEST_P(ClinicDbTest, ADamagedRoleIsRefusedNotReadAsStaff) {
  ASSERT_OK(db_->add_user(user_named("dr.ward")));
  auto raw = location_->raw();
  ASSERT_NE(raw, nullptr);
  ASSERT_OK(raw->query("UPDATE clinic_users SET role = 'admin'"));
  expect_refused(db_->find_user("dr.ward"), host::RefusalKind::kUnavailable, "");
}

TEST_P(ClinicDbTest, LoginFailuresCountUpAndClear) {
  const auto none = db_->login_failures("dr.ward");
  ASSERT_OK(none);
  EXPECT_EQ(none->failures, 0);
  ASSERT_OK(db_->record_login_failure("dr.ward", kToday));
  ASSERT_OK(db_->record_login_failure("dr.ward", kToday + 1000));
  ASSERT_OK(db_->record_login_failure("someone-else", kToday));
  const auto two = db_->login_failures("dr.ward");
  ASSERT_OK(two);
  EXPECT_EQ(two->failures, 2);
  EXPECT_EQ(two->last_failure_ms, kToday + 1000);
  ASSERT_OK(db_->clear_login_failures("dr.ward"));
  EXPECT_EQ(db_->login_failures("dr.ward")->failures, 0);
  EXPECT_EQ(db_->login_failures("someone-else")->failures, 1);
}

TEST_P(ClinicDbTest, WebSessionsAreFoundByTheirHashExtendedAndEnded) {
  const auto ward = db_->add_user(user_named("dr.ward"));
  ASSERT_OK(ward);
  WebSessionRecord s{
      0, *ward, std::string(64, 'a'), std::string(43, 'c'), kToday, kToday + 3'600'000};
  const auto id = db_->add_web_session(s);
  ASSERT_OK(id);
  const auto found = db_->find_web_session(std::string(64, 'a'));
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->user_id, *ward);
  EXPECT_EQ((*found)->csrf_token, std::string(43, 'c'));
  ASSERT_OK(db_->extend_web_session(*id, kToday + 7'200'000));
  EXPECT_EQ((*db_->find_web_session(std::string(64, 'a')))->expires_at_ms, kToday + 7'200'000);
  EXPECT_FALSE(db_->find_web_session(std::string(64, 'b'))->has_value());

  WebSessionRecord old = s;
  old.token_hash = std::string(64, 'd');
  old.expires_at_ms = kToday + 1;
  ASSERT_OK(db_->add_web_session(old));
  const auto removed = db_->end_expired_web_sessions(kToday + 10);
  ASSERT_OK(removed);
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(db_->find_web_session(std::string(64, 'd'))->has_value());
  ASSERT_OK(db_->end_web_session(std::string(64, 'a')));
  EXPECT_FALSE(db_->find_web_session(std::string(64, 'a'))->has_value());

  WebSessionRecord orphan = s;
  orphan.user_id = 9999;
  expect_refused(db_->add_web_session(orphan), host::RefusalKind::kNotFound, "user_id");
  WebSessionRecord short_token = s;
  short_token.token_hash = "abc";
  expect_refused(db_->add_web_session(short_token), host::RefusalKind::kInvalidArgument,
                 "token_hash");
}

TEST_P(ClinicDbTest, TheAuditLogListsNewestFirst) {
  ASSERT_OK(db_->add_audit({0, kToday, "dr.ward", "login", "", "ok", ""}));
  ASSERT_OK(db_->add_audit({0, kToday + 5, "dr.ward", "program", "SN-1", "refused", "hard limit"}));
  ASSERT_OK(db_->add_audit({0, kToday + 9, "amy", "upload", "SN-1", "ok", "12 records"}));
  const auto two = db_->audit_log(2);
  ASSERT_OK(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].action, "upload");
  EXPECT_EQ((*two)[1].outcome, "refused");
  expect_refused(db_->audit_log(0), host::RefusalKind::kInvalidArgument, "limit");
  expect_refused(db_->add_audit({0, kToday, "x", "", "", "ok", ""}),
                 host::RefusalKind::kInvalidArgument, "action");
}

TEST_P(ClinicDbTest, TheSnapshotHoldsWhatTheOverviewNeedsOfEachPump) {
  const std::int64_t ann = add_patient("A-1");
  const std::int64_t bob = add_patient("B-2", Indication::kPain);
  add_patient("C-3");  // no pump
  const std::int64_t p1 = add_pump(ann, "SN-1");
  const std::int64_t p2 = add_pump(bob, "SN-2");
  const std::int64_t s1 = begin_session(p1, kToday - 40 * kDay);
  ASSERT_OK(db_->record_prescription(prescription_for(p1, s1, kToday - 40 * kDay, 100'000)));
  ASSERT_OK(db_->record_prescription(prescription_for(p1, s1, kToday - 30 * kDay, 200'000)));
  ASSERT_OK(db_->record_refill(refill_for(p1, s1, kToday - 20 * kDay, kToday + 5 * kDay)));
  ASSERT_OK(db_->record_prescription(prescription_for(p1, s1, kToday - 10 * kDay, 300'000)));
  begin_session(p1, kToday - 5 * kDay);
  // Two sessions begun at the same millisecond: the later one (the greater id) is the latest.
  const std::int64_t s2 = begin_session(p1, kToday - 5 * kDay);
  ASSERT_OK(db_->record_prescription(prescription_for(p2, begin_session(p2), kToday, 50'000)));
  ASSERT_OK(db_->record_prescription(prescription_for(p2, begin_session(p2), kToday + 1, 60'000)));
  // Alarms of SN-1: kind 3 raised then cleared, kind 5 raised; battery assessed, then ERI.
  ASSERT_OK(db_->store_event_log(p1, {{1, 100, 256, 3, 0, 0},
                                      {2, 200, 257, 3, 0, 0},
                                      {3, 300, 256, 5, 0, 0},
                                      {4, 400, 520, 0, 900, 40000},
                                      {5, 500, 521, 1, 2000, 2700}}));
  ASSERT_OK(db_->set_implant_clock_offset(p1, {1'000, kToday}));
  ASSERT_OK(db_->set_implant_clock_offset(p1, {2'000, kToday + 1}));  // the latest replaces it

  const auto snap = db_->clinic_snapshot();
  ASSERT_OK(snap);
  ASSERT_EQ(snap->patients.size(), 3u);
  ASSERT_EQ(snap->pumps.size(), 2u);
  const PumpSnapshot& one = snap->pumps[0];
  EXPECT_EQ(one.pump.serial, "SN-1");
  // In force at the refill (200'000) and after it (300'000): the one before is not needed.
  ASSERT_EQ(one.prescriptions.size(), 2u);
  EXPECT_EQ(one.prescriptions[0].max_daily_dose.count(), 200'000);
  EXPECT_EQ(one.prescriptions[1].max_daily_dose.count(), 300'000);
  ASSERT_TRUE(one.last_refill.has_value());
  EXPECT_EQ(one.last_refill->at_ms, kToday - 20 * kDay);
  ASSERT_TRUE(one.last_session.has_value());
  EXPECT_EQ(one.last_session->id, s2);
  ASSERT_EQ(one.open_alarms.size(), 1u);
  EXPECT_EQ(one.open_alarms[0].reason, 5u);
  ASSERT_TRUE(one.battery.has_value());
  EXPECT_EQ(one.battery->code, 521u);
  ASSERT_TRUE(one.clock.has_value());
  EXPECT_EQ(one.clock->wall_offset_ms, 2'000);
  const PumpSnapshot& two = snap->pumps[1];
  EXPECT_FALSE(two.last_refill.has_value());
  ASSERT_EQ(two.prescriptions.size(), 1u);  // never refilled: the latest alone
  EXPECT_EQ(two.prescriptions[0].max_daily_dose.count(), 60'000);
  EXPECT_TRUE(two.open_alarms.empty());
  EXPECT_FALSE(two.battery.has_value());

  const auto bobs = db_->clinic_snapshot(bob);
  ASSERT_OK(bobs);
  ASSERT_EQ(bobs->patients.size(), 1u);
  ASSERT_EQ(bobs->pumps.size(), 1u);
  EXPECT_EQ(bobs->pumps[0].pump.serial, "SN-2");
  expect_refused(db_->clinic_snapshot(9999), host::RefusalKind::kNotFound, "patient_id");
}

TEST_P(ClinicDbTest, RecentSessionsAreNewestFirstWithTheirPumpAndPatient) {
  const std::int64_t ann = add_patient("A-1");
  const std::int64_t bob = add_patient("B-2");
  const std::int64_t p1 = add_pump(ann, "SN-1");
  const std::int64_t p2 = add_pump(bob, "SN-2");
  begin_session(p1, kToday - 3 * kDay);
  const std::int64_t newest = begin_session(p2, kToday);
  begin_session(p1, kToday - kDay);
  const auto all = db_->recent_sessions(2);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].session.id, newest);
  EXPECT_EQ((*all)[0].pump.serial, "SN-2");
  EXPECT_EQ((*all)[0].patient.mrn, "B-2");
  const auto anns = db_->recent_sessions(100, ann);
  ASSERT_OK(anns);
  ASSERT_EQ(anns->size(), 2u);
  EXPECT_EQ((*anns)[0].session.started_at_ms, kToday - kDay);
  expect_refused(db_->recent_sessions(0), host::RefusalKind::kInvalidArgument, "limit");
  expect_refused(db_->recent_sessions(10, 9999), host::RefusalKind::kNotFound, "patient_id");
  expect_refused(db_->set_implant_clock_offset(9999, {0, 0}), host::RefusalKind::kNotFound,
                 "pump_id");
}

}  // namespace
}  // namespace itdd::programmer
