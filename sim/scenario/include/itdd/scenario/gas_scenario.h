// A scenario for a fixed-rate gas-driven pump (docs/scenario-format.md, "Gas-driven pumps"):
// the same file format as a programmable pump's, with what such a pump has and lacks. It has no
// prescription: its dose per day is its flow times the concentration put in at a fill. It lives
// in a body whose temperature (a fever, a hot bath) and in a world whose pressure (a flight, a
// holiday at altitude, a dive) move its flow. Commands only a programmable pump understands
// (prescriptions, boluses, clock setting, motor faults) are refused with a message that says
// so. Read with the same host/text readers as every scenario: exact decimals, each refusal
// naming its field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/gas_pump_spec.h"
#include "itdd/scenario/scenario.h"

namespace itdd::scenario {

// The reservoir is emptied (what is left withdrawn) and filled with `volume` of `solution`.
struct GasRefillEvent {
  Volume volume{};
  Solution solution;
};

// For a while (or to the end) the pump's temperature is `temperature_mc` (m°C): a fever, a hot
// bath or sauna. When periods overlap the one that began last holds.
struct BodyTemperatureEvent {
  std::int64_t temperature_mc = 37'000;
};

// For a while (or to the end) the ambient pressure is `ambient_pa` (absolute): a flight's cabin,
// a holiday at altitude, a dive.
struct AmbientPressureEvent {
  std::int64_t ambient_pa = 101'325;
};

using GasEventAction = std::variant<GasRefillEvent, BodyTemperatureEvent, AmbientPressureEvent>;

struct GasScenarioEvent {
  Duration at{};       // elapsed since the start
  Duration until{};    // refill: == at; a condition: its end (the scenario's end when not given)
  std::string source;  // "events[3]"
  GasEventAction action;
};

struct GasScenario {
  std::string name;
  host::GasPumpSpec pump;
  Volume catheter_volume{};
  bool catheter_starts_with_drug = false;
  Solution initial_solution;
  Volume initial_fill{};
  WallTime start{};
  Duration duration{};
  // The body and the world when nothing else is going on: the model's reference conditions.
  std::int64_t body_temperature_mc = 37'000;
  std::int64_t ambient_pa = 101'325;
  std::int64_t intrathecal_pa = 0;
  std::vector<GasScenarioEvent> events;  // in time order (stable for equal times)
  // The virtual patient's own figures ("patient", docs/scenario-format.md); none: no patient.
  std::optional<sim::PatientOverrides> patient;
};

// Reads a scenario whose pump.model is a gas-driven model.
host::Checked<GasScenario> parse_gas_scenario_text(std::string_view text,
                                                   const PumpCatalog& catalog);

// Either kind, chosen by the kind of the model the file's pump.model names (an unknown model, a
// missing pump, invalid JSON: refused as parse_scenario_text refuses them).
using AnyScenario = std::variant<Scenario, GasScenario>;
host::Checked<AnyScenario> parse_any_scenario_text(std::string_view text,
                                                   const PumpCatalog& catalog);
host::Checked<AnyScenario> load_any_scenario_file(const std::filesystem::path& file,
                                                  const PumpCatalog& catalog);

// The drugs a gas scenario gives in order of first appearance (as drugs_given).
std::vector<DrugGiven> drugs_given(const GasScenario& scenario);

}  // namespace itdd::scenario
