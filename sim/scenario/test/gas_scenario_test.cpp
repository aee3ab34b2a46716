// Gas-pump scenarios: the examples, each event read into base units, the conditions' periods,
// and every refusal with its field: temperatures and pressures out of range, commands only a
// programmable pump understands, an unknown model.
#include "itdd/scenario/gas_scenario.h"

#include <gtest/gtest.h>

#include <string>

#include "scenario_test_support.h"

namespace itdd::scenario {
namespace {

using nlohmann::json;

json base() {
  return json::parse(R"({
    "name": "gas",
    "pump": {"model": "gas-fixed-30"},
    "catheter": {"volume_ml": 0.2, "starts_with": "drug"},
    "drug": {"name": "morphine", "unit": "mg", "concentration": 4},
    "initial_fill_ml": 30,
    "start": "2026-01-05T00:00",
    "duration_days": 30,
    "events": []
  })");
}

host::Checked<AnyScenario> read_any(const json& doc) {
  return parse_any_scenario_text(doc.dump(), testing::pump_catalog());
}

GasScenario parse_gas(const json& doc) {
  host::Checked<AnyScenario> r = read_any(doc);
  if (!r.ok()) throw std::runtime_error(r.error().text());
  return std::get<GasScenario>(std::move(r).value());
}

void expect_error(const json& doc, const std::string& path, const std::string& message) {
  const host::Checked<AnyScenario> r = read_any(doc);
  if (r.ok()) {
    ADD_FAILURE() << "read, expected a refusal at " << path;
    return;
  }
  EXPECT_EQ(r.error().field, path) << r.error().text();
  EXPECT_NE(r.error().message.find(message), std::string::npos)
      << "message: '" << r.error().message << "', expected to contain '" << message << "'";
}

json with_event(json event) {
  json doc = base();
  doc["events"].push_back(std::move(event));
  return doc;
}

TEST(GasScenario, TheExamplesAreGasScenarios) {
  for (const char* name : {"gas-fever-morphine", "gas-travel-baclofen"}) {
    const GasScenario s =
        parse_gas(testing::load_source_json(std::string("examples/") + name + ".json"));
    EXPECT_FALSE(s.events.empty()) << name;
  }
  // A programmable pump's example is read as one.
  const host::Checked<AnyScenario> r =
      read_any(testing::load_source_json("examples/morphine-continuous.json"));
  ASSERT_TRUE(r.ok()) << r.error().text();
  EXPECT_TRUE(std::holds_alternative<Scenario>(r.value()));
}

TEST(GasScenario, TopLevelInBaseUnitsWithTheModelsReferenceConditions) {
  const GasScenario s = parse_gas(base());
  EXPECT_EQ(s.pump.name, "gas-fixed-30");
  EXPECT_EQ(s.initial_fill, millilitres(30));
  EXPECT_EQ(s.initial_solution.concentration, Concentration(4'000'000));
  EXPECT_EQ(s.catheter_volume, microlitres(200));
  EXPECT_TRUE(s.catheter_starts_with_drug);
  EXPECT_EQ(s.duration, days(30));
  EXPECT_EQ(s.body_temperature_mc, 37'000);
  EXPECT_EQ(s.ambient_pa, 101'325);
  EXPECT_EQ(s.intrathecal_pa, 1'300);
}

TEST(GasScenario, BodyTemperatureForDaysOrMinutesOrToTheEnd) {
  json doc = base();
  doc["events"] = json::parse(R"([
    {"at": "day 2 08:00", "type": "body_temperature", "celsius": 38.5, "duration_days": 3},
    {"at": "day 1 20:00", "type": "body_temperature", "celsius": 40, "duration_min": 30},
    {"at": "day 20 00:00", "type": "body_temperature", "celsius": 36.2}
  ])");
  const GasScenario s = parse_gas(doc);
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[0].at, days(1) + hours(20));  // time order
  EXPECT_EQ(s.events[0].until, days(1) + hours(20) + minutes(30));
  EXPECT_EQ(std::get<BodyTemperatureEvent>(s.events[0].action).temperature_mc, 40'000);
  EXPECT_EQ(s.events[1].until, days(5) + hours(8));
  EXPECT_EQ(std::get<BodyTemperatureEvent>(s.events[1].action).temperature_mc, 38'500);
  EXPECT_EQ(s.events[2].until, days(30));  // to the end
  EXPECT_EQ(s.events[2].source, "events[2]");
}

TEST(GasScenario, AmbientPressureByKpaAltitudeOrDepth) {
  json doc = base();
  doc["events"] = json::parse(R"([
    {"at": "day 1 08:00", "type": "ambient_pressure", "altitude_m": 2438, "duration_min": 180},
    {"at": "day 2 08:00", "type": "ambient_pressure", "kpa": 80.5, "duration_days": 7},
    {"at": "day 4 10:00", "type": "ambient_pressure", "depth_m": 10.5, "duration_min": 45},
    {"at": "day 40 10:00", "type": "ambient_pressure", "depth_m": 10.5, "duration_days": 2}
  ])");
  doc["duration_days"] = 41;
  const GasScenario s = parse_gas(doc);
  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_EQ(std::get<AmbientPressureEvent>(s.events[0].action).ambient_pa, 75'279);
  EXPECT_EQ(std::get<AmbientPressureEvent>(s.events[1].action).ambient_pa, 80'500);
  EXPECT_EQ(std::get<AmbientPressureEvent>(s.events[2].action).ambient_pa,
            101'325 + 10'052 * 105 / 10);
  // A period that would outlast the scenario ends with it.
  EXPECT_EQ(s.events[3].until, days(41));
}

TEST(GasScenario, ARefillWithANewConcentrationOrDrug) {
  json doc = base();
  doc["events"] = json::parse(R"([
    {"at": "day 20 10:00", "type": "refill", "volume_ml": 25, "concentration": 5},
    {"at": "day 25 10:00", "type": "refill", "volume_ml": 20, "drug": "hydromorphone",
     "unit": "mg", "concentration": 1.5}
  ])");
  const GasScenario s = parse_gas(doc);
  const auto& first = std::get<GasRefillEvent>(s.events[0].action);
  EXPECT_EQ(first.volume, millilitres(25));
  EXPECT_EQ(first.solution.drug_name, "morphine");
  EXPECT_EQ(first.solution.concentration, Concentration(5'000'000));
  const auto& second = std::get<GasRefillEvent>(s.events[1].action);
  EXPECT_EQ(second.solution.drug_name, "hydromorphone");
  EXPECT_EQ(drugs_given(s).size(), 2u);
}

TEST(GasScenario, BadTemperaturesAndPressuresAreRefusedWithTheirField) {
  expect_error(with_event({{"at", "day 1 00:00"}, {"type", "body_temperature"}, {"celsius", 60}}),
               "events[0].celsius",
               "must be between 30 °C and 45 °C (the temperatures the pump model's curves cover) "
               "(got 60)");
  expect_error(
      with_event({{"at", "day 1 00:00"}, {"type", "body_temperature"}, {"celsius", 38.0001}}),
      "events[0].celsius", "at most 3 decimal places");
  expect_error(with_event({{"at", "day 1 00:00"}, {"type", "ambient_pressure"}, {"kpa", -5}}),
               "events[0].kpa", "negative");
  expect_error(with_event({{"at", "day 1 00:00"}, {"type", "ambient_pressure"}, {"kpa", 0}}),
               "events[0].kpa", "must be between 20 kPa and 700 kPa");
  expect_error(
      with_event({{"at", "day 1 00:00"}, {"type", "ambient_pressure"}, {"altitude_m", 9000}}),
      "events[0].altitude_m", "the highest altitude of the standard atmosphere's table");
  expect_error(with_event({{"at", "day 1 00:00"}, {"type", "ambient_pressure"}, {"depth_m", 80}}),
               "events[0].depth_m", "(got 80)");
  expect_error(
      with_event(
          {{"at", "day 1 00:00"}, {"type", "ambient_pressure"}, {"kpa", 90}, {"altitude_m", 900}}),
      "events[0]", "give one of");
  expect_error(with_event({{"at", "day 1 00:00"},
                           {"type", "body_temperature"},
                           {"celsius", 39},
                           {"duration_min", 30},
                           {"duration_days", 1}}),
               "events[0]", "not both");
  expect_error(with_event({{"at", "day 31 00:00"}, {"type", "body_temperature"}, {"celsius", 39}}),
               "events[0].at", "must be before the end of the simulation");
}

TEST(GasScenario, CommandsOnlyAProgrammablePumpUnderstandsAreRefused) {
  for (const char* type : {"prescription", "clinician_bolus", "patient_bolus", "set_clock",
                           "motor_stall", "power_cut"}) {
    expect_error(with_event({{"at", "day 1 00:00"}, {"type", type}}), "events[0].type",
                 std::string("\"") + type +
                     "\" needs a programmable pump; \"gas-fixed-30\" is a fixed-rate gas-driven "
                     "pump");
  }
  json doc = base();
  doc["prescription"] = {{"mode", "continuous"}, {"dose_per_day", 4}};
  expect_error(doc, "prescription", "a fixed-rate gas-driven pump cannot be programmed");
  doc = base();
  doc["prime"] = true;
  expect_error(doc, "prime", "cannot prime");
  // A refill's bridge bolus is the programmable pump's.
  expect_error(
      with_event({{"at", "day 1 00:00"}, {"type", "refill"}, {"volume_ml", 20}, {"bridge", true}}),
      "events[0].bridge", "unknown key");
  expect_error(with_event({{"at", "day 1 00:00"}, {"type", "sauna"}}), "events[0].type",
               "unknown event type \"sauna\" (known for a gas-driven pump: refill, "
               "body_temperature, ambient_pressure)");
}

TEST(GasScenario, FillsAboveTheResidualVolumeWithinTheReservoir) {
  json doc = base();
  doc["initial_fill_ml"] = 31;
  expect_error(doc, "initial_fill_ml", "(the reservoir's capacity)");
  doc["initial_fill_ml"] = 0.5;
  expect_error(doc, "initial_fill_ml", "must be above the residual volume (1 mL)");
  expect_error(with_event({{"at", "day 1 00:00"}, {"type", "refill"}, {"volume_ml", 1}}),
               "events[0].volume_ml", "residual volume");
}

TEST(GasScenario, AnUnknownModelIsRefusedListingBothKinds) {
  json doc = base();
  doc["pump"]["model"] = "gas-fixed-99";
  expect_error(doc, "pump.model",
               "unknown pump model \"gas-fixed-99\" (known: peristaltic-20, peristaltic-40, "
               "gas-fixed-30, gas-fixed-20)");
  // A programmable pump's keys on a gas pump: refused by name.
  doc = base();
  doc["pump"]["seed"] = 3;
  expect_error(doc, "pump.seed", "unknown key");
  // parse_scenario_text (a programmable pump's reader) says what the model is.
  const host::Checked<Scenario> r = parse_scenario_text(base().dump(), testing::pump_catalog());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "pump.model");
  EXPECT_NE(r.error().message.find("fixed-rate gas-driven pump"), std::string::npos);
}

}  // namespace
}  // namespace itdd::scenario
