// The scenario parser: valid files become exact base units; every malformed or out-of-range
// input is refused with an error naming the field (a JSON path) and saying what is allowed.
#include <gtest/gtest.h>

#include <string>

#include "itdd/host/wall_time.h"
#include "itdd/scenario/scenario.h"
#include "scenario_test_support.h"

namespace itdd::scenario {
namespace {

using nlohmann::json;
using testing::parse;
using testing::pump_catalog;

json valid() {
  return json::parse(R"({
    "name": "test",
    "pump": {"model": "peristaltic-20", "stroke_variability_percent": 2, "seed": 1},
    "catheter": {"volume_ml": 0.25},
    "drug": {"name": "morphine", "unit": "mg", "concentration": 25},
    "initial_fill_ml": 18, "low_reservoir_ml": 2, "prime": true,
    "start": "2026-01-05T00:00", "duration_days": 365,
    "prescription": {"mode": "continuous", "dose_per_day": 4.0,
                     "patient_bolus": {"dose": 0.1, "duration_min": 10, "max_per_24h": 4,
                                       "lockout_min": 180}},
    "events": [
      {"at": "day 30 08:00", "type": "refill", "volume_ml": 18, "drug": "morphine",
       "concentration": 50, "bridge": true},
      {"at": "day 41 10:00", "type": "clinician_bolus", "dose": 0.5, "duration_min": 30},
      {"at": "day 42 12:00", "type": "patient_bolus"},
      {"at": "day 43 12:00", "type": "patient_bolus_series", "every_min": 60, "count": 3},
      {"at": "day 50 02:00", "type": "set_clock", "shift_minutes": 60},
      {"at": "day 40 09:00", "type": "prescription",
       "prescription": {"mode": "flexible", "steps": [{"start": "00:00", "dose_per_day": 3},
                                                      {"start": "08:00", "dose_per_day": 6}]}}
    ]})");
}

json flex_steps_doc() {
  json d = valid();
  d["prescription"] = json::parse(R"({"mode": "flexible", "steps": [
      {"start": "00:00", "dose_per_day": 3}, {"start": "06:00", "dose_per_day": 5},
      {"start": "12:00", "dose_per_day": 4}, {"start": "18:00", "dose_per_day": 2.5}]})");
  return d;
}

json weekdays_doc() {
  json d = valid();
  json day = json::parse(R"([{"start": "00:00", "dose_per_day": 4.0},
                             {"start": "12:00", "dose_per_day": 5.0}])");
  d["prescription"] = {{"mode", "flexible"}, {"weekdays", json::object()}};
  for (const char* k : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
    d["prescription"]["weekdays"][k] = day;
  }
  return d;
}

// Reads `doc` expecting a refusal at exactly `path` whose message contains `message`.
void expect_error(const json& doc, const std::string& path, const std::string& message) {
  const host::Checked<Scenario> r = testing::read(doc);
  if (r.ok()) {
    ADD_FAILURE() << "read, expected a refusal at " << path;
    return;
  }
  EXPECT_EQ(r.error().field, path) << r.error().text();
  EXPECT_NE(r.error().message.find(message), std::string::npos)
      << "message: '" << r.error().message << "', expected to contain '" << message << "'";
}

WallTime wall(const char* text) {
  return host::parse_wall_time(text).value();
}

TEST(ScenarioParser, ValidScenarioConvertsOnceToBaseUnits) {
  const Scenario s = parse(valid());
  EXPECT_EQ(s.name, "test");
  EXPECT_EQ(s.pump.spec.name, "peristaltic-20");
  EXPECT_EQ(s.pump.stroke.mean, nanolitres(1000));
  EXPECT_EQ(s.pump.stroke.variability_percent, 2.0);
  EXPECT_EQ(s.catheter_volume, nanolitres(250'000));
  EXPECT_EQ(s.initial_solution.concentration, Concentration(25'000'000));
  EXPECT_EQ(s.initial_fill, nanolitres(18'000'000));
  EXPECT_EQ(s.low_reservoir, nanolitres(2'000'000));
  EXPECT_TRUE(s.prime);
  EXPECT_EQ(s.duration, days(365));
  EXPECT_EQ(s.start, wall("2026-01-05T00:00"));
  EXPECT_EQ(s.prescription.mode, therapy::BasalMode::kContinuous);
  EXPECT_EQ(s.prescription.continuous_dose, DoseRate(4'000'000));
  EXPECT_EQ(s.prescription.concentration, Concentration(25'000'000));
  EXPECT_TRUE(s.prescription.patient_bolus.enabled);
  EXPECT_EQ(s.prescription.patient_bolus.dose, nanograms(100'000));
  EXPECT_EQ(s.prescription.patient_bolus.duration, minutes(10));
  EXPECT_EQ(s.prescription.patient_bolus.max_per_24h, 4);
  EXPECT_EQ(s.prescription.patient_bolus.lockout, minutes(180));
}

TEST(ScenarioParser, EventsInTimeOrderWithSeriesExpanded) {
  const Scenario s = parse(valid());
  ASSERT_EQ(s.events.size(), 8u);
  for (std::size_t i = 1; i < s.events.size(); ++i) {
    EXPECT_LE(s.events[i - 1].at, s.events[i].at);
  }
  EXPECT_EQ(s.events[0].at, days(30) + hours(8));
  const auto& refill = std::get<RefillEvent>(s.events[0].action);
  EXPECT_EQ(refill.volume, millilitres(18));
  EXPECT_EQ(refill.solution.concentration, Concentration(50'000'000));
  EXPECT_TRUE(refill.bridge);
  EXPECT_EQ(refill.low_threshold, millilitres(2));
  // The prescription at day 40 (listed last) comes second and uses the refilled 50 mg/mL.
  EXPECT_EQ(s.events[1].source, "events[5]");
  const auto& rx = *std::get<PrescriptionEvent>(s.events[1].action).prescription;
  EXPECT_EQ(rx.concentration, Concentration(50'000'000));
  EXPECT_EQ(rx.flex.days[0].step_count, 2);
  EXPECT_EQ(rx.flex.days[0].steps[1].start_minute(), 8 * 60);
  EXPECT_EQ(rx.flex.days[0].steps[1].dose_rate(), DoseRate(6'000'000));
  const auto& bolus = std::get<ClinicianBolusEvent>(s.events[2].action);
  EXPECT_EQ(bolus.dose, nanograms(500'000));
  EXPECT_EQ(bolus.duration, minutes(30));
  EXPECT_EQ(s.events[4].at, days(43) + hours(12));
  EXPECT_EQ(s.events[5].at, days(43) + hours(13));
  EXPECT_EQ(s.events[6].at, days(43) + hours(14));
  EXPECT_EQ(s.events[6].source, "events[3] #3");
  const auto& clock = std::get<SetClockEvent>(s.events[7].action);
  EXPECT_FALSE(clock.absolute);
  EXPECT_EQ(clock.shift, minutes(60));
}

TEST(ScenarioParser, CatheterFromLength) {
  json d = valid();
  d["catheter"] = {{"length_cm", 90}, {"ml_per_cm", 0.0026}};
  EXPECT_EQ(parse(d).catheter_volume, nanolitres(234'000));
}

TEST(ScenarioParser, MicrogramDrug) {
  json d = valid();
  d["drug"] = {{"name", "ziconotide"}, {"unit", "mcg"}, {"concentration", 25}};
  d["prescription"] = {{"mode", "continuous"}, {"dose_per_day", 1.2}};
  d["events"] = json::array();
  const Scenario s = parse(d);
  EXPECT_EQ(s.initial_solution.concentration, Concentration(25'000));
  EXPECT_EQ(s.prescription.continuous_dose, DoseRate(1'200));
  EXPECT_EQ(therapy::flow_of(s.prescription, s.prescription.continuous_dose), FlowRate(48'000));
}

TEST(ScenarioParser, WeekdaysProgram) {
  const Scenario s = parse(weekdays_doc());
  EXPECT_TRUE(s.prescription.flex.per_weekday);
  EXPECT_EQ(s.prescription.flex.days[6].steps[1].dose_rate(), DoseRate(5'000'000));
}

TEST(ScenarioParser, StoppedAndAbsoluteClock) {
  json d = valid();
  d["prescription"] = {{"mode", "stopped"}};
  d["events"] = json::parse(R"([{"at": "day 1 00:00", "type": "set_clock",
                                 "to": "2026-03-29T03:00"}])");
  const Scenario s = parse(d);
  EXPECT_EQ(s.prescription.mode, therapy::BasalMode::kStopped);
  EXPECT_EQ(std::get<SetClockEvent>(s.events[0].action).to, wall("2026-03-29T03:00"));
}

TEST(ScenarioParser, EveryExampleParses) {
  for (const char* name : {"morphine-continuous", "baclofen-flex-ptm", "ziconotide-minimum-rate",
                           "refill-concentration-change"}) {
    SCOPED_TRACE(name);
    const Scenario s = parse(testing::load_source_json(std::string("examples/") + name + ".json"));
    EXPECT_GE(s.duration, days(365));
  }
}

// ---- refusals, each naming its field ----

TEST(ScenarioParserErrors, UnknownKeysAreTypos) {
  json d = valid();
  d["durration_days"] = 3;
  expect_error(d, "durration_days", "unknown key");
  d = valid();
  d["pump"]["sead"] = 3;
  expect_error(d, "pump.sead", "allowed: model, stroke_variability_percent");
  d = valid();
  d["events"][0]["volume"] = 18;
  expect_error(d, "events[0].volume", "unknown key");
  d = valid();
  d["prescription"]["patient_bolus"]["lockout"] = 10;
  expect_error(d, "prescription.patient_bolus.lockout", "unknown key");
  d = valid();
  d["prescription"]["steps"] = json::array();
  expect_error(d, "prescription.steps", "unknown key");  // not in a continuous prescription
}

TEST(ScenarioParserErrors, RequiredFields) {
  for (const char* key : {"name", "pump", "catheter", "drug", "initial_fill_ml", "start",
                          "duration_days", "prescription"}) {
    json d = valid();
    d.erase(key);
    expect_error(d, key, "is missing");
  }
  json d = valid();
  d["events"][1].erase("duration_min");
  expect_error(d, "events[1].duration_min", "is missing");
  d = valid();
  d["prescription"].erase("mode");
  expect_error(d, "prescription.mode", "is missing");
  d = valid();
  d["events"][1].erase("type");
  expect_error(d, "events[1].type", "is missing");
  // null counts as absent
  d = valid();
  d["initial_fill_ml"] = nullptr;
  expect_error(d, "initial_fill_ml", "is missing");
}

TEST(ScenarioParserErrors, WrongTypes) {
  json d = valid();
  d["duration_days"] = "365";
  expect_error(d, "duration_days", "must be a number");
  d = valid();
  d["prime"] = 1;
  expect_error(d, "prime", "must be true or false");
  d = valid();
  d["events"] = json::object();
  expect_error(d, "events", "must be an array");
  d = valid();
  d["pump"]["seed"] = 1.5;
  expect_error(d, "pump.seed", "whole number");
  d = valid();
  d["events"][3]["count"] = 2.5;
  expect_error(d, "events[3].count", "whole number");
}

TEST(ScenarioParserErrors, FlexStepStartMustBeHhMm) {
  json d = flex_steps_doc();
  d["prescription"]["steps"][3]["start"] = "7:00";
  expect_error(d, "prescription.steps[3].start", "must be HH:MM");
  d["prescription"]["steps"][3]["start"] = "24:00";
  expect_error(d, "prescription.steps[3].start", "must be HH:MM");
}

TEST(ScenarioParserErrors, ValidateErrorsBecomePaths) {
  json d = flex_steps_doc();
  d["prescription"]["steps"][2]["start"] = "05:00";
  expect_error(d, "prescription.steps[2].start", "increasing order");
  d = flex_steps_doc();
  d["prescription"]["steps"][0]["start"] = "01:00";
  expect_error(d, "prescription.steps[0].start", "must start at 00:00");
  d = flex_steps_doc();
  d["prescription"]["steps"][1]["dose_per_day"] = 0.5;  // 0.02 mL/day at 25 mg/mL
  expect_error(d, "prescription.steps[1].dose_per_day", "below the pump's minimum");
  // Each refusal at a rate limit names the rate asked for and the one allowed, exactly.
  expect_error(d, "prescription.steps[1].dose_per_day",
               "0.02 mL/day requested, this pump's minimum is 0.048 mL/day");
  d = weekdays_doc();
  d["prescription"]["weekdays"]["fri"][1]["dose_per_day"] = 1000;  // 40 mL/day
  expect_error(d, "prescription.weekdays.fri[1].dose_per_day", "above the pump's maximum");
  // A step keeps room for the 5/4 re-alignment after a clock change: 4/5 of 24 mL/day.
  expect_error(d, "prescription.weekdays.fri[1].dose_per_day",
               "40 mL/day requested, this pump's maximum is 19.2 mL/day");
  d = valid();
  d["prescription"]["dose_per_day"] = 1.0;  // 0.04 mL/day
  expect_error(d, "prescription.dose_per_day", "below the pump's minimum programmable rate");
  expect_error(d, "prescription.dose_per_day",
               "0.04 mL/day requested, this pump's minimum is 0.048 mL/day");
  d = valid();
  d["prescription"]["patient_bolus"]["lockout_min"] = 5;  // shorter than the 10 min bolus
  expect_error(d, "prescription.patient_bolus.lockout_min", "at least the bolus duration");
  d = valid();
  d["prescription"]["patient_bolus"]["dose"] = 0.01;  // 0.4 uL < one stroke
  expect_error(d, "prescription.patient_bolus.dose", "smaller than one pump stroke");
}

TEST(ScenarioParserErrors, WeekdaysNeedEveryDay) {
  json d = weekdays_doc();
  d["prescription"]["weekdays"].erase("sun");
  expect_error(d, "prescription.weekdays.sun", "is missing: give every day");
  d = weekdays_doc();
  d["prescription"]["weekdays"]["sunday"] = d["prescription"]["weekdays"]["sun"];
  expect_error(d, "prescription.weekdays.sunday", "unknown key");
  d = weekdays_doc();
  d["prescription"]["weekdays"]["wed"][1]["dose_per_day"] = -1;
  expect_error(d, "prescription.weekdays.wed[1].dose_per_day", "must not be negative");
  // Above what the implant holds for a step (a 32-bit count of ng/day): refused, not wrapped.
  d = weekdays_doc();
  d["prescription"]["weekdays"]["wed"][1]["dose_per_day"] = 4294.967296;
  expect_error(d, "prescription.weekdays.wed[1].dose_per_day", "4,294,967,295 ng/day");
  d = weekdays_doc();
  d["prescription"]["steps"] = d["prescription"]["weekdays"]["mon"];
  expect_error(d, "prescription", "exactly one of \"steps\" or \"weekdays\"");
  d = flex_steps_doc();
  d["prescription"]["steps"] = json::array();
  expect_error(d, "prescription.steps", "between 1 and 48 steps");
}

TEST(ScenarioParserErrors, OutOfRangeNamesTheRange) {
  json d = valid();
  d["initial_fill_ml"] = 22;
  expect_error(d, "initial_fill_ml", "must be above 0 mL and at most 20 mL");
  d = valid();
  d["pump"]["stroke_variability_percent"] = 75;
  expect_error(d, "pump.stroke_variability_percent", "between 0 % and 50 %");
  d = valid();
  d["catheter"]["volume_ml"] = 3;
  expect_error(d, "catheter.volume_ml", "between 0 mL and 2 mL");
  d = valid();
  d["duration_days"] = 0;
  expect_error(d, "duration_days", "above 0 days");
  d = valid();
  d["drug"]["concentration"] = 150;
  expect_error(d, "drug.concentration", "at most 100 mg/mL");
  d = valid();
  d["prescription"]["patient_bolus"]["max_per_24h"] = 30;
  expect_error(d, "prescription.patient_bolus.max_per_24h", "between 1 and 24");
  d = valid();
  d["prescription"]["patient_bolus"]["duration_min"] = 0.5;
  expect_error(d, "prescription.patient_bolus.duration_min", "between 1 minutes and 1440");
  d = valid();
  d["events"][4]["shift_minutes"] = 100000;
  expect_error(d, "events[4].shift_minutes", "between");
  d = valid();
  d["low_reservoir_ml"] = 19;
  expect_error(d, "low_reservoir_ml", "above the low-reservoir threshold");
  d = valid();
  d["pump"]["stroke_mean_nl"] = 3000;
  expect_error(d, "pump.stroke_mean_nl", "between 500 nL");
}

TEST(ScenarioParserErrors, NegativeZeroAndTinyValues) {
  json d = valid();
  d["prescription"]["dose_per_day"] = -2;
  expect_error(d, "prescription.dose_per_day", "must not be negative");
  d = valid();
  d["prescription"]["dose_per_day"] = 0;
  expect_error(d, "prescription.dose_per_day", "dose must be positive");  // the implant's words
  // Finer than the base unit: refused as the command line refuses it, never rounded.
  d = valid();
  d["prescription"]["dose_per_day"] = 1e-9;  // 0.000001 ng
  expect_error(d, "prescription.dose_per_day", "1e-09: at most 6 decimal places");
  d = valid();
  d["prescription"]["dose_per_day"] = 4.0000001;
  expect_error(d, "prescription.dose_per_day", "4.0000001: at most 6 decimal places");
  d = valid();
  d["events"][0]["volume_ml"] = 1e-8;
  expect_error(d, "events[0].volume_ml", "at most 6 decimal places");
  d = valid();
  d["prescription"]["patient_bolus"]["duration_min"] = 10.0001;  // 6 ms: finer than 60 ms
  expect_error(d, "prescription.patient_bolus.duration_min", "at most 3 decimal places");
  d = valid();
  d["prescription"]["dose_per_day"] = 1e300;
  expect_error(d, "prescription.dose_per_day", "too large");
}

TEST(ScenarioParserErrors, DrugAndUnits) {
  json d = valid();
  d["drug"]["unit"] = "g";
  expect_error(d, "drug.unit", "must be \"mg\" or \"mcg\"");
  d = valid();
  d["drug"]["name"] = "Morphine";
  expect_error(d, "drug.name", "lowercase");
  d = valid();
  d["drug"]["name"] = std::string(30, 'a');
  expect_error(d, "drug.name", "1 to 23 characters");
  d = valid();
  d["drug"]["concentration"] = 0;
  expect_error(d, "drug.concentration", "must be above 0 mg/mL");
  d = valid();
  d["events"][0]["drug"] = "hydromorphone";
  expect_error(d, "events[0].unit", "required when the refill changes the drug");
  d = valid();
  d["pump"]["model"] = "peristaltic-30";
  expect_error(d, "pump.model", "unknown pump model \"peristaltic-30\" (known: peristaltic-20");
}

// Each refill to another drug: the run numbers drugs by first appearance, a unit change alone
// keeps the drug, and a ninth different drug is refused where it is named.
json refills_of(int drugs) {
  json d = valid();
  d["events"] = json::array();
  for (int i = 1; i < drugs; ++i) {
    d["events"].push_back({{"at", "day " + std::to_string(i) + " 08:00"},
                           {"type", "refill"},
                           {"volume_ml", 18},
                           {"drug", "drug-" + std::to_string(i)},
                           {"unit", "mcg"},
                           {"concentration", 500}});
  }
  return d;
}

TEST(ScenarioParser, DrugsAreNumberedByFirstAppearance) {
  json d = refills_of(3);
  d["events"].push_back({{"at", "day 5 08:00"},
                         {"type", "refill"},
                         {"volume_ml", 18},
                         {"drug", "morphine"},
                         {"unit", "mcg"},
                         {"concentration", 25000}});
  const Scenario s = parse(d);
  const std::vector<DrugGiven> drugs = drugs_given(s);
  ASSERT_EQ(drugs.size(), 3u);
  EXPECT_EQ(drugs[0].name, "morphine");
  EXPECT_EQ(drugs[0].unit, DoseUnit::kMilligram);  // its first unit, though refilled in mcg
  EXPECT_EQ(drugs[1].name, "drug-1");
  EXPECT_EQ(drugs[2].name, "drug-2");
  EXPECT_EQ(drugs[2].unit, DoseUnit::kMicrogram);
  EXPECT_EQ(drug_position(drugs, "drug-2"), 2u);
  EXPECT_EQ(drug_position(drugs, "baclofen"), 3u);
  EXPECT_EQ(drugs_given(parse(refills_of(static_cast<int>(sim::kMaxDrugs)))).size(),
            sim::kMaxDrugs);
}

TEST(ScenarioParserErrors, AtMostEightDifferentDrugs) {
  expect_error(refills_of(static_cast<int>(sim::kMaxDrugs) + 1), "events[7].drug",
               "a scenario may give at most 8 different drugs; \"drug-8\" would be drug 9");
}

TEST(ScenarioParserErrors, EventTimes) {
  json d = valid();
  d["events"][2]["at"] = "day 365 00:00";
  expect_error(d, "events[2].at", "before the end of the simulation (day 365 00:00)");
  d = valid();
  d["events"][2]["at"] = "30 08:00";
  expect_error(d, "events[2].at", "must be \"day D HH:MM\"");
  d = valid();
  d["events"][2]["at"] = "day 3 8:00";
  expect_error(d, "events[2].at", "must be \"day D HH:MM\"");
  d = valid();
  d["events"][3]["count"] = 24 * 400;
  expect_error(d, "events[3].count", "after the end of the simulation");
  d = valid();
  d["start"] = "2026-02-30T00:00";
  expect_error(d, "start", "a real local date");
  d = valid();
  d["events"][2]["type"] = "patient-bolus";
  expect_error(d, "events[2].type", "unknown event type \"patient-bolus\"");
}

TEST(ScenarioParserErrors, EventsCheckedAgainstThePumpAtTheirTime) {
  // 2 mg/day at 50 mg/mL is 0.04 mL/day: below the minimum, so the refill is refused.
  json d = valid();
  d["prescription"]["dose_per_day"] = 2.0;
  d["prescription"].erase("patient_bolus");
  d["events"] = json::parse(R"([{"at": "day 20 10:00", "type": "refill", "volume_ml": 18,
                                 "concentration": 50}])");
  expect_error(d, "events[0].concentration", "the prescription in force");
  // A clinician bolus smaller than one stroke at the concentration of the time.
  d = valid();
  d["events"][1]["dose"] = 0.02;  // 0.4 uL at 50 mg/mL after the day-30 refill
  expect_error(d, "events[1].dose", "smaller than one pump stroke");
  d = valid();
  d["events"][1]["duration_min"] = 1;
  d["events"][1]["dose"] = 2;  // 40 uL in a minute = 57.6 mL/day
  expect_error(d, "events[1].duration_min", "above the pump's maximum rate");
  d = valid();
  d["events"][0]["volume_ml"] = 21;
  expect_error(d, "events[0].volume_ml", "at most 20 mL");
  d = valid();
  d["events"][4]["to"] = "2026-03-29T03:00";
  expect_error(d, "events[4]", "exactly one of \"shift_minutes\" or \"to\"");
  d = valid();
  d["events"][5]["prescription"]["steps"][1]["dose_per_day"] = -3;
  expect_error(d, "events[5].prescription.steps[1].dose_per_day", "must not be negative");
}

TEST(ScenarioParserErrors, CatheterForms) {
  json d = valid();
  d["catheter"] = {{"volume_ml", 0.25}, {"length_cm", 90}, {"ml_per_cm", 0.0026}};
  expect_error(d, "catheter", "either \"volume_ml\" or both");
  d = valid();
  d["catheter"] = {{"length_cm", 200}, {"ml_per_cm", 0.02}};
  expect_error(d, "catheter", "must be at most 2 mL");
  d = valid();
  d["catheter"]["starts_with"] = "water";
  expect_error(d, "catheter.starts_with", "\"saline\" or \"drug\"");
}

TEST(ScenarioParserErrors, SyntaxErrorsGiveLineAndColumn) {
  const host::Checked<Scenario> r = parse_scenario_text(
      "{\n  \"name\": \"x\",\n  \"pump\": {}\n  \"drug\": 1\n}", pump_catalog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "");
  EXPECT_EQ(r.error().message, "line 4, column 8: invalid JSON near '\"drug\"'");
}

// A number nlohmann-json cannot hold (beyond a double) is refused with its place, never thrown
// out of the reader; the fuzzer found it in the drug library, whose reader is the same.
TEST(ScenarioParserErrors, ANumberBeyondADoubleIsRefusedWithItsPlace) {
  std::string text = valid().dump(1);
  const std::string fill = "\"initial_fill_ml\": 18";
  const std::size_t at = text.find(fill);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, fill.size(), "\"initial_fill_ml\": 7757E877777777778");
  const host::Checked<Scenario> r = parse_scenario_text(text, pump_catalog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "");
  EXPECT_NE(r.error().message.find(": the number 7757E877777777778 is too large"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.rfind("line ", 0), 0u) << r.error().message;
  const host::Checked<Scenario> alone = parse_scenario_text("7757E877777777778", pump_catalog());
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().text(), "line 1, column 1: the number 7757E877777777778 is too large");
}

TEST(ScenarioParserErrors, FilesThatCannotBeRead) {
  const host::Checked<Scenario> r = load_scenario_file("/no/such/scenario.json", pump_catalog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(), "cannot open the file");
}

}  // namespace
}  // namespace itdd::scenario

// ---- the virtual patient's block and the pocket fill ----
namespace itdd::scenario {
namespace {

TEST(ScenarioParserPatient, TheBlockIsReadWithItsPaths) {
  json d = valid();
  d["patient"] = json::parse(
      R"({"withdrawal_after_hours": 6, "drugs": {"morphine": {"clearance_ml_per_min": 0.3}}})");
  const Scenario s = parse(d);
  ASSERT_TRUE(s.patient.has_value());
  EXPECT_EQ(s.patient->withdrawal_after, hours(6));
  ASSERT_EQ(s.patient->drugs.size(), 1u);
  EXPECT_EQ(s.patient->drugs[0].path, "patient.drugs.morphine");
  EXPECT_EQ(s.patient->drugs[0].clearance_nl_per_min, 300'000);
  EXPECT_FALSE(parse(valid()).patient.has_value());
}

TEST(ScenarioParserPatient, BadValuesAreRefusedWithTheirField) {
  json d = valid();
  d["patient"] = json::parse(R"({"drugs": {"morphine": {"volume_ml": -40}}})");
  expect_error(d, "patient.drugs.morphine.volume_ml", "negative");
  d["patient"] = json::parse(R"({"drugs": {"baclofen": {"half_life_min": 0}}})");
  expect_error(d, "patient.drugs.baclofen.half_life_min", "must be above 0 min");
  d["patient"] = json::parse(R"({"overdose_above_times": 0.5})");
  expect_error(d, "patient.overdose_above_times", "must be above 1");
  d["patient"] = json::parse(R"({"clearance_ml_per_min": 0.3})");
  expect_error(d, "patient.clearance_ml_per_min", "unknown key");
}

TEST(ScenarioParserPatient, APocketFillIsPartOfTheRefill) {
  json d = valid();
  d["events"][0]["pocket_fill_ml"] = 3;
  const Scenario s = parse(d);
  EXPECT_EQ(std::get<RefillEvent>(s.events[0].action).pocket_fill, millilitres(3));
  d["events"][0]["pocket_fill_ml"] = 30;
  expect_error(d, "events[0].pocket_fill_ml", "the refilled volume");
  d["events"][0]["pocket_fill_ml"] = 0;
  expect_error(d, "events[0].pocket_fill_ml", "must be above 0 mL");
}

}  // namespace
}  // namespace itdd::scenario
